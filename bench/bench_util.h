#pragma once
// Small helpers shared by the benchmarks.

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace ppl::bench {

/// Reads "--name value" pairs into the integers `targets` points to; std::invalid_argument for an
/// unknown option or a missing value.
inline void parse_int_options(int argc, char** argv, const std::map<std::string, int*>& targets) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto target = targets.find(arg);
    if (target == targets.end()) throw std::invalid_argument("unknown option " + arg);
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + arg);
    *target->second = std::stoi(argv[++i]);
  }
}

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace ppl::bench
