#include "ppl/infer/mcmc/potential_energy.h"

#include "ppl/core/plate.h"
#include "ppl/distributions/transforms/biject_to.h"
#include "ppl/handlers/enum.h"
#include "ppl/handlers/trace.h"
#include "ppl/infer/traceenum_elbo.h"
#include "ppl/infer/vectorizing_plate.h"

#include <fmt/format.h>

#include <stdexcept>
#include <unordered_map>

namespace ppl::infer {
namespace {

bool is_deterministic(const Message& msg) {
  return msg.infer.count("_deterministic") > 0;
}

/// `term` summed per batch row: (chains,) when vectorized (chains > 0), else 0-dim.
torch::Tensor sum_per_chain(const torch::Tensor& term, int64_t chains) {
  return chains > 0 ? term.reshape({chains, -1}).sum(1) : term.sum();
}

/// The sum of same-shaped tensors as one stack-and-sum.
torch::Tensor sum_all(const std::vector<torch::Tensor>& terms) {
  return terms.size() == 1 ? terms[0] : torch::stack(terms).sum(0);
}

/// Gives each continuous latent site its value and, given `terms`, appends every sample site's
/// scaled and masked log-prob, summed per batch row, to it; param sites are held fixed
/// (detached).
class PotentialMessenger : public Messenger {
 public:
  [[nodiscard]] PotentialMessenger(const ModelLayout& layout, std::vector<torch::Tensor> values,
                                   int64_t chains, std::vector<torch::Tensor>* terms)
      : layout_(layout), values_(std::move(values)), chains_(chains), terms_(terms) {}

  void process_message(Message& msg) override {
    if (msg.type != MessageType::sample || msg.is_observed) return;
    const size_t index = site_index(msg);
    if (index == layout_.sites.size()) return;  // an enumerated discrete site
    const torch::Tensor& value = values_[index];
    if (value.sizes() != c10::IntArrayRef(msg.fn->extended_shape()))
      throw std::runtime_error(fmt::format(
          "MCMC: sample site '{}': its distribution has shape {} but the sampler's value has "
          "shape {}{}",
          msg.name, dist::shape_str(msg.fn->extended_shape()), dist::shape_str(value.sizes()),
          chains_ > 0 ? " (vectorized chains need a model whose sites broadcast over dims left "
                        "of their plates, and a max_plate_nesting counting every plate)"
                      : ""));
    msg.value = value;
    msg.done = true;
  }

  void postprocess_message(Message& msg) override {
    if (msg.type == MessageType::param) {
      msg.value = msg.value.detach();
      return;
    }
    if (!terms_ || msg.type != MessageType::sample || is_deterministic(msg)) return;
    const torch::Tensor log_prob = scale_and_mask(msg.fn->log_prob(msg.value), msg.scale, msg.mask);
    if (chains_ > 0 &&
        (log_prob.dim() != layout_.max_plate_nesting + 1 || log_prob.size(0) != chains_))
      throw std::runtime_error(fmt::format(
          "MCMC: sample site '{}': log-prob of shape {} does not have the {} chains at dim {} "
          "(max_plate_nesting {}): its batch shape has dims outside its plates",
          msg.name, dist::shape_str(log_prob.sizes()), chains_, -layout_.max_plate_nesting - 1,
          layout_.max_plate_nesting));
    terms_->push_back(sum_per_chain(log_prob, chains_));
  }

 private:
  size_t site_index(const Message& msg) const {
    for (size_t i = 0; i < layout_.sites.size(); ++i)
      if (layout_.sites[i].name == msg.name) return i;
    if (layout_.enumerated && msg.fn->support()->is_discrete() &&
        handlers::enumeration_of(msg) == "parallel")
      return layout_.sites.size();
    throw std::runtime_error(fmt::format(
        "MCMC: sample site '{}' is latent but was not in the model's first run (the latent "
        "sites must be the same in every run)",
        msg.name));
  }

  const ModelLayout& layout_;
  std::vector<torch::Tensor> values_;
  int64_t chains_;
  std::vector<torch::Tensor>* terms_;  ///< null: values only
};

/// Sums a factor of an enumerated trace per chain: its kChainPlate dim first, the rest summed.
torch::Tensor per_chain(const Factor& factor, int64_t chains) {
  if (chains == 0) return factor.log_value.sum();
  for (size_t i = 0; i < factor.dims.size(); ++i)
    if (factor.dims[i].is_plate && factor.dims[i].name == kChainPlate)
      return sum_per_chain(factor.log_value.movedim(static_cast<int64_t>(i), 0), chains);
  return factor.log_value.sum().expand({chains});  // constant across chains (or one chain)
}

}  // namespace

ModelLayout ModelLayout::of(const Trace& trace, int64_t max_plate_nesting) {
  ModelLayout layout;
  layout.max_plate_nesting = max_plate_nesting == kUnlimitedPlateNesting
                                 ? guess_max_plate_nesting(trace)
                                 : max_plate_nesting;
  for (const Site& site : trace.sites()) {
    if (!site.is_latent()) continue;
    if (site.fn->support()->is_discrete()) {
      const std::string enumeration = handlers::enumeration_of(site);
      if (enumeration == "parallel") {
        layout.enumerated = true;
        continue;
      }
      throw std::invalid_argument(fmt::format(
          "MCMC: sample site '{}' is discrete ({}){}: HMC and NUTS need continuous latents; "
          "mark it for parallel enumeration (config_enumerate, or infer enumerate=\"parallel\") "
          "to sum it out exactly, or observe it",
          site.name, site.fn->support()->to_string(),
          enumeration.empty() ? " and not marked for enumeration"
                              : " and marked \"" + enumeration + "\""));
    }
    FlatSite latent;
    latent.name = site.name;
    latent.transform = transforms::biject_to(site.fn->support());
    const torch::Tensor unconstrained = latent.transform->inverse(site.value);
    latent.unconstrained_shape = unconstrained.sizes().vec();
    latent.batch_rank = static_cast<int64_t>(site.fn->batch_shape().size());
    latent.offset = layout.dim;
    latent.size = unconstrained.numel();
    layout.dim += latent.size;
    layout.options = site.value.options();
    layout.sites.push_back(std::move(latent));
  }
  if (layout.sites.empty())
    throw std::invalid_argument("MCMC: the model has no continuous latent sample site to sample");
  return layout;
}

torch::Tensor ModelLayout::flatten(const Trace& trace) const {
  std::vector<torch::Tensor> parts;
  for (const FlatSite& latent : sites) {
    const Site* site = trace.find(latent.name);
    if (!site || !site->value.defined())
      throw std::invalid_argument(
          fmt::format("MCMC: the model's run has no value at latent site '{}'", latent.name));
    torch::Tensor unconstrained = latent.transform->inverse(site->value.detach());
    if (unconstrained.sizes() != c10::IntArrayRef(latent.unconstrained_shape))
      throw std::invalid_argument(fmt::format(
          "MCMC: latent site '{}' has unconstrained shape {} in this run but {} in the first",
          latent.name, dist::shape_str(unconstrained.sizes()),
          dist::shape_str(latent.unconstrained_shape)));
    parts.push_back(unconstrained.reshape({-1}));
  }
  return torch::cat(parts).to(torch::TensorOptions().dtype(torch::kDouble).device(torch::kCPU));
}

SampleDict ModelLayout::constrain(const torch::Tensor& positions) const {
  SampleDict values;
  const torch::Tensor z = positions.to(options);
  for (const FlatSite& site : sites) {
    std::vector<int64_t> shape{z.size(0)};
    shape.insert(shape.end(), site.unconstrained_shape.begin(), site.unconstrained_shape.end());
    values[site.name] = site.transform->forward(z.narrow(1, site.offset, site.size).reshape(shape));
  }
  return values;
}

PotentialEnergy::PotentialEnergy(Program model, ModelLayout layout, int64_t chains)
    : model_(std::move(model)), layout_(std::move(layout)), chains_(chains) {
  if (chains < 0)
    throw std::invalid_argument(
        fmt::format("PotentialEnergy: chains must be >= 0, got {}", chains));
  if (chains == 0) return;
  for (const FlatSite& site : layout_.sites)
    if (site.batch_rank > layout_.max_plate_nesting)
      throw std::invalid_argument(fmt::format(
          "MCMC: sample site '{}' has {} batch dims but max_plate_nesting is {}: vectorized "
          "chains go in a plate left of every batch dim, so a site's batch dims must all be "
          "plates (put them in a plate, or make them event dims with to_event)",
          site.name, site.batch_rank, layout_.max_plate_nesting));
}

torch::Tensor PotentialEnergy::batch_log_density(const torch::Tensor& z, int64_t rows) const {
  // One chain's value of a site, or a batch of chains' with the chains at the plate dim left
  // of the model's plates.
  const int64_t plate_chains = chains_ > 0 ? rows : 0;
  std::vector<torch::Tensor> values;
  std::vector<torch::Tensor> terms;  // each site's log |det J|, then the log-probs
  for (const FlatSite& site : layout_.sites) {
    std::vector<int64_t> shape;
    if (chains_ > 0) {
      shape.push_back(rows);
      shape.insert(shape.end(), layout_.max_plate_nesting - site.batch_rank, 1);
    }
    shape.insert(shape.end(), site.unconstrained_shape.begin(), site.unconstrained_shape.end());
    auto [value, log_jacobian] = site.transform->forward_with_log_abs_det_jacobian(
        z.narrow(1, site.offset, site.size).reshape(shape));
    values.push_back(std::move(value));
    terms.push_back(sum_per_chain(log_jacobian, plate_chains));
  }
  auto run_model = [&] {
    if (chains_ == 0) return model_();
    VectorizingPlate chain_plate(kChainPlate, rows, -layout_.max_plate_nesting - 1,
                                 "vectorized chains");
    chain_plate.run(model_);
  };
  if (!layout_.enumerated) {
    PotentialMessenger potential(layout_, std::move(values), plate_chains, &terms);
    run_model();
  } else {
    handlers::TraceMessenger tracer;
    PotentialMessenger potential(layout_, std::move(values), plate_chains, nullptr);
    handlers::EnumMessenger enumerate(-layout_.max_plate_nesting - 1 - (chains_ > 0 ? 1 : 0));
    run_model();
    TracePair traces{std::move(tracer.trace()), Trace()};
    traces.model.compute_log_prob();
    for (const Factor& factor : model_costs(traces))
      terms.push_back(per_chain(factor, plate_chains));
  }
  return sum_all(terms).reshape({-1});
}

torch::Tensor PotentialEnergy::log_density(const torch::Tensor& z) const {
  if (z.dim() != 2 || z.size(1) != layout_.dim)
    throw std::invalid_argument(
        fmt::format("PotentialEnergy: expected positions of shape (rows, {}), got {}", layout_.dim,
                    dist::shape_str(z.sizes())));
  if (chains_ > 0) {
    if (z.size(0) != chains_)
      throw std::invalid_argument(fmt::format(
          "PotentialEnergy: expected {} rows (one per chain), got {}", chains_, z.size(0)));
    return batch_log_density(z, chains_);
  }
  std::vector<torch::Tensor> rows;
  for (int64_t row = 0; row < z.size(0); ++row)
    rows.push_back(batch_log_density(z.narrow(0, row, 1), 1));
  return torch::cat(rows);
}

std::pair<torch::Tensor, torch::Tensor> PotentialEnergy::operator()(
    const torch::Tensor& positions) const {
  torch::AutoGradMode grad_mode(true);
  const torch::Tensor z = positions.to(layout_.options).detach().requires_grad_(true);
  const torch::Tensor log_p = log_density(z);
  const torch::Tensor gradient = torch::autograd::grad({log_p.sum()}, {z})[0];
  const auto host = torch::TensorOptions().dtype(torch::kDouble).device(torch::kCPU);
  return {log_p.detach().neg().to(host), gradient.neg().to(host).contiguous()};
}

}  // namespace ppl::infer
