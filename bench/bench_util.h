#pragma once
// Small helpers shared by the benchmarks.

#include <ppl/core/threads.h>
#include <ppl/distributions/distribution.h>
#include <ppl/params/param_store.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace ppl::bench {

/// Reads "--name value" pairs into the integers `targets` points to; an unknown option or a
/// missing or non-numeric value ends the program with a message and status 2.
inline void parse_int_options(int argc, char** argv, const std::map<std::string, int*>& targets) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto target = targets.find(arg);
    try {
      if (target == targets.end() || i + 1 >= argc) throw std::invalid_argument(arg);
      *target->second = std::stoi(argv[++i]);
    } catch (const std::exception&) {
      std::cerr << argv[0] << ": bad option " << arg << " (options take an integer value)\n";
      std::exit(2);
    }
  }
}

/// What every timed run starts with: `threads` for LibTorch and OpenBLAS, distribution argument
/// checks off (as in any hot training loop).
inline void configure_run(int threads) {
  ppl::set_num_threads(threads);
  ppl::enable_validation(false);
}

/// An SVI run timed step by step: its own param store, its step, its step times.
struct TimedSteps {
  ppl::ParamStore store;
  std::function<double()> step;
  std::vector<double> times_us;
  double loss = 0;

  /// `count` steps with `store` active; with `timed`, each step's µs is kept.
  void run(int count, bool timed) {
    ppl::ParamStoreScope scope(store);
    for (int i = 0; i < count; ++i) {
      const auto start = std::chrono::steady_clock::now();
      loss = step();
      const std::chrono::duration<double, std::micro> elapsed =
          std::chrono::steady_clock::now() - start;
      if (timed) times_us.push_back(elapsed.count());
    }
  }
};

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace ppl::bench
