#include "ppl/infer/predictive.h"

#include "ppl/handlers/replay.h"
#include "ppl/handlers/trace.h"
#include "ppl/handlers/uncondition.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::infer {
namespace {

std::vector<std::string> default_return_sites(const Trace& model_trace) {
  std::vector<std::string> names;
  for (const Site& site : model_trace.sites()) {
    if (site.is_sample() && !site.is_subsample && !site.infer.count("is_auxiliary"))
      names.push_back(site.name);
  }
  return names;
}

}  // namespace

SampleDict predictive(const Program& model, const Program& guide, int64_t num_samples,
                      const std::vector<std::string>& return_sites) {
  if (num_samples < 1) {
    throw std::invalid_argument(
        fmt::format("Predictive: num_samples must be >= 1, got {}", num_samples));
  }
  torch::NoGradGuard no_grad;
  std::vector<std::string> names = return_sites;
  std::map<std::string, std::vector<torch::Tensor>> draws;
  for (int64_t i = 0; i < num_samples; ++i) {
    const Trace guide_trace = guide ? handlers::trace(guide).get_trace() : Trace();
    const Trace model_trace =
        handlers::trace(handlers::uncondition(handlers::replay(model, guide_trace))).get_trace();
    if (i == 0 && names.empty()) names = default_return_sites(model_trace);
    for (const std::string& name : names) {
      const Site* site = model_trace.find(name);
      if (!site || !site->is_sample()) {
        throw std::out_of_range(
            fmt::format("Predictive: return site '{}' is not a sample site of the model", name));
      }
      auto& values = draws[name];
      if (!values.empty() && !values.front().sizes().equals(site->value.sizes())) {
        throw std::runtime_error(fmt::format(
            "Predictive: site '{}' has shape {} in run 0 but {} in run {}", name,
            dist::shape_str(values.front().sizes()), dist::shape_str(site->value.sizes()), i));
      }
      values.push_back(site->value);
    }
  }
  SampleDict samples;
  for (auto& [name, values] : draws) samples.emplace(name, torch::stack(values));
  return samples;
}

}  // namespace ppl::infer
