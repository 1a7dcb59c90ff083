#pragma once
// A three-site chain model and helpers that the trace and handler tests share.

#include <ppl/ppl.h>

#include <cmath>
#include <string>
#include <vector>

namespace ppl::testing {

inline torch::Tensor scalar(double v) {
  return torch::tensor(v, torch::kDouble);
}

/// a ~ N(0, 1); b ~ N(a, 1); y ~ N(b, 1) observed at 1.
inline torch::Tensor chain_model() {
  auto a = ppl::sample("a", dist::Normal(scalar(0), 1.0));
  auto b = ppl::sample("b", dist::Normal(a, 1.0));
  ppl::sample("y", dist::Normal(b, 1.0), scalar(1.0));
  return b;
}

/// The names of the sites of `trace`, in program order.
inline std::vector<std::string> names(const Trace& trace) {
  std::vector<std::string> result;
  for (const auto& site : trace.sites()) result.push_back(site.name);
  return result;
}

inline double normal_log_prob(double x, double loc, double scale) {
  return -0.5 * std::pow((x - loc) / scale, 2) - std::log(scale) - 0.5 * std::log(2 * M_PI);
}

}  // namespace ppl::testing
