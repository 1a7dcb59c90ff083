#include "ppl/infer/importance.h"

#include "ppl/handlers/block.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <tuple>

namespace ppl::infer {
namespace {

/// log sum_i exp(values_i) as a number.
double logsumexp(const torch::Tensor& values) {
  return torch::logsumexp(values, 0).item<double>();
}

/// The model with its observed sites hidden: a guide that proposes from the prior.
Program prior_proposal(const Program& model) {
  return [&model] {
    handlers::BlockMessenger hide_observed(handlers::BlockOptions().hide_fn(
        [](const Message& msg) { return msg.type == MessageType::sample && msg.is_observed; }));
    model();
  };
}

/// Pyro's _guess_max_plate_nesting: the leftmost vectorized plate dim in one run of guide and
/// model.
int64_t guess_max_plate_nesting_of(const Program& model, const Program& guide) {
  const TracePair traces = get_traces(model, guide);
  return std::max(guess_max_plate_nesting(traces.guide), guess_max_plate_nesting(traces.model));
}

/// `sign` times the masked, unscaled log-prob of every sample site of `trace` (plate subsample
/// sites aside), added to `total` with broadcasting.
void add_log_probs(const Trace& trace, double sign, torch::Tensor& total) {
  for (const Site& site : trace.sites()) {
    if (!site.is_sample()) continue;
    const torch::Tensor term = scale_and_mask(site.unscaled_log_prob, sign, site.mask);
    total = total.defined() ? total + term : term;
  }
}

/// The log weights of `num_samples` samples drawn in one pass under a plate at dim
/// -(nesting + 1), shaped (num_samples, ...nesting plate dims).
torch::Tensor vectorized_log_weights(const Program& model, const Program& guide,
                                     int64_t num_samples, int64_t nesting) {
  const TracePair traces =
      get_importance_traces(in_particle_plate(model, num_samples, nesting),
                            in_particle_plate(guide, num_samples, nesting), nesting + 1);
  torch::Tensor total;
  add_log_probs(traces.model, 1.0, total);
  add_log_probs(traces.guide, -1.0, total);
  if (!total.defined()) return torch::zeros({num_samples});
  if (total.dim() > nesting + 1) {
    throw std::runtime_error(fmt::format(
        "iwae: the log weights have shape {}, with dims left of the samples' dim {}; put every "
        "batch dim of model and guide in a plate, or raise max_plate_nesting\nmodel trace:\n{}",
        dist::shape_str(total.sizes()), -(nesting + 1), traces.model.format_shapes()));
  }
  while (total.dim() < nesting + 1) total = total.unsqueeze(0);
  std::vector<int64_t> shape(total.sizes().begin(), total.sizes().end());
  shape[0] = num_samples;
  return total.expand(shape);
}

}  // namespace

double ImportanceResult::log_marginal() const {
  return logsumexp(log_weights) - std::log(static_cast<double>(log_weights.size(0)));
}

torch::Tensor ImportanceResult::normalized_weights() const {
  return torch::softmax(log_weights, 0);
}

double ImportanceResult::effective_sample_size() const {
  return std::exp(2 * logsumexp(log_weights) - logsumexp(2 * log_weights));
}

torch::Tensor ImportanceResult::site_values(const std::string& name) const {
  std::vector<torch::Tensor> values;
  for (const Trace& trace : traces) {
    const Site* site = trace.find(name);
    if (!site || !site->is_sample()) {
      throw std::out_of_range(
          fmt::format("Importance: '{}' is not a sample site of the model", name));
    }
    if (!values.empty() && !values.front().sizes().equals(site->value.sizes())) {
      throw std::runtime_error(
          fmt::format("Importance: site '{}' has shape {} in sample 0 but {} in sample {}", name,
                      dist::shape_str(values.front().sizes()), dist::shape_str(site->value.sizes()),
                      values.size()));
    }
    values.push_back(site->value);
  }
  return torch::stack(values);
}

torch::Tensor ImportanceResult::weighted_mean(const std::string& name) const {
  const torch::Tensor weights = normalized_weights();
  return torch::tensordot(weights, site_values(name).to(weights.scalar_type()), {0}, {0});
}

ImportanceResult importance(const Program& model, const Program& guide, int64_t num_samples) {
  if (num_samples < 1) {
    throw std::invalid_argument(
        fmt::format("Importance: num_samples must be >= 1, got {}", num_samples));
  }
  torch::NoGradGuard no_grad;
  const Program proposal = guide ? guide : prior_proposal(model);
  ImportanceResult result;
  std::vector<torch::Tensor> log_weights;
  for (int64_t i = 0; i < num_samples; ++i) {
    TracePair traces = get_importance_traces(model, proposal);
    log_weights.push_back(traces.model.log_prob_sum() - traces.guide.log_prob_sum());
    result.traces.push_back(std::move(traces.model));
  }
  result.log_weights = torch::stack(log_weights);
  return result;
}

torch::Tensor iwae_log_weights(const Program& model, const Program& guide,
                               const IWAEOptions& options) {
  const int64_t num_samples = options.num_samples(), chunk_size = options.chunk_size();
  for (const auto& [name, value, least] : {std::tuple{"num_samples", num_samples, 1},
                                           {"chunk_size", chunk_size, 0},
                                           {"max_plate_nesting", options.max_plate_nesting(), 0}}) {
    if (value < least)
      throw std::invalid_argument(
          fmt::format("iwae: {} must be >= {}, got {}", name, least, value));
  }
  torch::NoGradGuard no_grad;
  const int64_t nesting = options.max_plate_nesting() == kUnlimitedPlateNesting
                              ? guess_max_plate_nesting_of(model, guide)
                              : options.max_plate_nesting();
  const int64_t chunk = chunk_size == 0 ? num_samples : chunk_size;
  std::vector<torch::Tensor> chunks;
  for (int64_t start = 0; start < num_samples; start += chunk)
    chunks.push_back(
        vectorized_log_weights(model, guide, std::min(chunk, num_samples - start), nesting));
  return chunks.size() == 1 ? chunks.front() : torch::cat(chunks);
}

torch::Tensor iwae_bound(const Program& model, const Program& guide, const IWAEOptions& options) {
  const torch::Tensor log_weights = iwae_log_weights(model, guide, options);
  return torch::logsumexp(log_weights, 0) - std::log(static_cast<double>(options.num_samples()));
}

}  // namespace ppl::infer
