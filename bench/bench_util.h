#pragma once
// Small helpers shared by the benchmarks.

#include <ppl/core/threads.h>
#include <ppl/distributions/distribution.h>

#include <algorithm>
#include <cstdlib>
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

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace ppl::bench
