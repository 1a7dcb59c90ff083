#include "ppl/infer/discrete.h"

#include "ppl/core/generator.h"
#include "ppl/handlers/block.h"
#include "ppl/handlers/enum.h"
#include "ppl/handlers/trace.h"
#include "ppl/infer/contract.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace ppl::infer {
namespace {

/// `factor` at the values `choice` (support indices over plate dims) of its dim `dim`.
Factor condition_on(const Factor& factor, const FactorDim& dim, const Factor& choice) {
  std::vector<FactorDim> rest;
  for (const FactorDim& d : factor.dims)
    if (!(d == dim)) rest.push_back(d);
  for (const FactorDim& d : choice.dims)
    if (std::find(rest.begin(), rest.end(), d) == rest.end()) rest.push_back(d);
  std::vector<int64_t> rest_sizes;
  for (const FactorDim& d : rest) rest_sizes.push_back(d.size);
  std::vector<FactorDim> order{dim};
  order.insert(order.end(), rest.begin(), rest.end());
  std::vector<int64_t> sizes{dim.size};
  sizes.insert(sizes.end(), rest_sizes.begin(), rest_sizes.end());
  const torch::Tensor values = factor.aligned(order).expand(sizes);
  const torch::Tensor index = choice.aligned(rest).expand(rest_sizes).unsqueeze(0);
  return Factor{values.gather(0, index).squeeze(0), rest, factor.plates};
}

/// The choice for `site` from a factor over it and plates only: the argmax, or with
/// `temperature` 1 a draw (the argmax under Gumbel noise).
Factor choose(Factor factor, const std::string& site, int64_t temperature) {
  auto it = std::find(factor.dims.begin(), factor.dims.end(), FactorDim{site, false, 0});
  const int64_t index = it - factor.dims.begin();
  torch::Tensor logits = factor.log_value.detach();
  if (temperature == 1) {
    const double tiny = std::numeric_limits<float>::min();
    const torch::Tensor uniform =
        torch::rand(logits.sizes(), current_generator(), logits.options()).clamp(tiny, 1 - 1e-7);
    logits = logits - torch::log(-torch::log(uniform));
  }
  factor.log_value = logits.argmax(index);
  factor.dims.erase(it);
  return factor;
}

/// The value of enumerated `site` for support indices `choice`: its support values, with each
/// plate dim of the choice at its plate's dim.
torch::Tensor value_of(const Site& site, const Factor& choice) {
  std::vector<std::pair<int64_t, size_t>> plate_dims;  // (dim, index in choice)
  for (size_t i = 0; i < choice.dims.size(); ++i) {
    auto frame = std::find_if(site.cond_indep_stack.begin(), site.cond_indep_stack.end(),
                              [&](const PlateFrame& f) { return f.name == choice.dims[i].name; });
    plate_dims.emplace_back(*frame->dim, i);
  }
  std::sort(plate_dims.begin(), plate_dims.end());
  std::vector<int64_t> permutation, shape;
  const int64_t rank = plate_dims.empty() ? 0 : -plate_dims.front().first;
  shape.assign(static_cast<size_t>(rank), 1);
  for (const auto& [dim, i] : plate_dims) {
    permutation.push_back(static_cast<int64_t>(i));
    shape[rank + dim] = choice.dims[i].size;
  }
  const torch::Tensor index = choice.log_value.permute(permutation).reshape(shape);
  const torch::Tensor support = site.fn->enumerate_support(/*expand=*/false);
  std::vector<int64_t> event(site.fn->event_shape().begin(), site.fn->event_shape().end());
  std::vector<int64_t> flat{support.size(0)};
  flat.insert(flat.end(), event.begin(), event.end());
  shape.insert(shape.end(), event.begin(), event.end());
  return support.reshape(flat).index_select(0, index.flatten()).reshape(shape);
}

}  // namespace

Trace discrete_posterior_trace(const Program& model, const InferDiscreteOptions& options) {
  if (options.temperature() != 0 && options.temperature() != 1)
    throw std::invalid_argument(
        fmt::format("infer_discrete: temperature must be 0 (MAP) or 1 (posterior draw), got {}",
                    options.temperature()));
  Trace trace;
  {
    handlers::BlockMessenger hide;
    const int64_t first_available_dim =
        options.first_available_dim()
            ? *options.first_available_dim()
            : -1 - guess_max_plate_nesting(handlers::trace(model, false, "model").get_trace());
    handlers::TraceMessenger tracer;
    handlers::EnumMessenger enumerate(first_available_dim);
    handlers::run_traced(tracer, "model", model);
    trace = std::move(tracer.trace());
  }
  torch::NoGradGuard no_grad;
  trace.compute_log_prob();
  std::set<std::string> enumerated;
  std::vector<Factor> factors;
  for (const Site& site : trace.sites()) {
    if (!site.is_sample()) continue;
    if (handlers::enumerate_dim_of(site)) enumerated.insert(site.name);
    factors.push_back(site_factor(site, site.log_prob, trace));
  }
  std::vector<Elimination> eliminations;
  contract_plated(std::move(factors), enumerated,
                  options.temperature() == 0 ? Semiring::max : Semiring::sum, &eliminations);

  // Back-substitution: each site's neighbours in its factor were eliminated after it.
  std::map<std::string, Factor> choices;
  for (auto it = eliminations.rbegin(); it != eliminations.rend(); ++it) {
    Factor factor = it->joint;
    for (const FactorDim& dim : it->joint.dims)
      if (!dim.is_plate && dim.name != it->site)
        factor = condition_on(factor, dim, choices.at(dim.name));
    choices.emplace(it->site, choose(std::move(factor), it->site, options.temperature()));
  }
  for (Site& site : trace.sites()) {
    if (choices.count(site.name)) site.value = value_of(site, choices.at(site.name));
    site.enumeration.reset();
    site.unscaled_log_prob = site.log_prob = torch::Tensor();
  }
  return trace;
}

}  // namespace ppl::infer
