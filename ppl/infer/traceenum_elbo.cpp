#include "ppl/infer/traceenum_elbo.h"

#include "ppl/handlers/block.h"
#include "ppl/handlers/enum.h"
#include "ppl/infer/contract.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

namespace ppl::infer {
namespace {

bool touches(const Factor& factor, const std::set<std::string>& sites) {
  for (const FactorDim& dim : factor.dims)
    if (!dim.is_plate && sites.count(dim.name)) return true;
  return false;
}

/// The sites enumerated in the model itself (not replayed from the guide); std::invalid_argument
/// for a model site marked "sequential", which this ELBO supports only in the guide.
std::set<std::string> model_enumerated_sites(const TracePair& traces) {
  std::set<std::string> sites;
  for (const Site& site : traces.model.sites()) {
    if (!site.is_sample() || site.is_observed || traces.guide.contains(site.name)) continue;
    if (handlers::enumeration_of(site) == "sequential")
      throw std::invalid_argument(fmt::format(
          "TraceEnum_ELBO: model site '{}' is marked for sequential enumeration, which is "
          "supported in the guide only; mark it \"parallel\" to sum it out in the model",
          site.name));
    if (handlers::enumerate_dim_of(site)) sites.insert(site.name);
  }
  return sites;
}

}  // namespace

std::vector<Factor> model_costs(const TracePair& traces) {
  const std::set<std::string> summed = model_enumerated_sites(traces);
  std::vector<Factor> costs, enumerated;
  std::optional<double> scale;
  std::string scale_site;
  for (const Site& site : traces.model.sites()) {
    if (!site.is_sample()) continue;
    Factor factor = site_factor(site, site.log_prob, traces.model);
    if (!touches(factor, summed)) {
      costs.push_back(std::move(factor));
      continue;
    }
    if (scale && *scale != site.scale)
      throw std::invalid_argument(fmt::format(
          "TraceEnum_ELBO: the sites that depend on enumerated model sites must share one scale, "
          "but '{}' has {} and '{}' has {} (subsampled plates or poutine scale differ)",
          scale_site, *scale, site.name, site.scale));
    scale = site.scale;
    scale_site = site.name;
    enumerated.push_back(
        site_factor(site, scale_and_mask(site.unscaled_log_prob, 1.0, site.mask), traces.model));
  }
  for (Factor& factor : contract_plated(std::move(enumerated), summed, Semiring::sum)) {
    if (*scale != 1.0) factor.log_value = factor.log_value * *scale;
    costs.push_back(std::move(factor));
  }
  return costs;
}

void for_each_enumerated_traces(const Program& model, const Program& guide,
                                int64_t first_available_dim,
                                const std::function<void(TracePair&)>& visit) {
  handlers::enumerate_sequentially([&] {
    // One allocation of dims for both programs: the model continues where its guide stopped.
    handlers::EnumMessenger enumerate(first_available_dim);
    TracePair traces = get_traces(model, guide);
    visit(traces);
  });
}

torch::Tensor enumerated_elbo(const TracePair& traces) {
  std::vector<Factor> costs = model_costs(traces);
  // The guide's costs, and the weights of its sites: the probabilities of enumerated values
  // (exact expectations) and DiCE factors exp(log q - stop_gradient(log q)) of other
  // non-reparameterized draws (score-function gradients).
  std::vector<Factor> weights;
  for (const Site& site : traces.guide.sites()) {
    if (!site.is_sample()) continue;
    costs.push_back(site_factor(site, -site.log_prob, traces.guide));
    const torch::Tensor log_q = scale_and_mask(site.unscaled_log_prob, 1.0, site.mask);
    if (!handlers::enumeration_of(site).empty())
      weights.push_back(site_factor(site, log_q, traces.guide));
    else if (!site.fn->has_rsample() && log_q.requires_grad())
      weights.push_back(site_factor(site, log_q - log_q.detach(), traces.guide));
  }
  std::vector<torch::Tensor> terms;
  for (const Factor& cost : costs) {
    std::vector<Factor> upstream;  // the weights of the plates the cost is in
    for (const Factor& weight : weights)
      if (std::includes(cost.plates.begin(), cost.plates.end(), weight.plates.begin(),
                        weight.plates.end()))
        upstream.push_back(weight);
    if (upstream.empty()) {
      terms.push_back(cost.log_value.sum());
      continue;
    }
    std::set<std::string> others;  // enumerated guide sites the cost does not depend on
    for (const Factor& weight : upstream)
      for (const FactorDim& dim : weight.dims)
        if (!dim.is_plate && !cost.has(dim)) others.insert(dim.name);
    const Factor marginal = sum_product(std::move(upstream), others, Semiring::sum);
    for (const FactorDim& dim : cost.dims) {
      if (!dim.is_plate && !marginal.has(dim))
        throw std::runtime_error(fmt::format(
            "TraceEnum_ELBO: a cost in plates {{{}}} depends on the enumerated guide site '{}', "
            "which is inside a plate that this cost is not in; a site outside a plate may not "
            "depend on a site inside it",
            fmt::join(cost.plates, ", "), dim.name));
    }
    std::vector<FactorDim> dims = marginal.dims;
    for (const FactorDim& dim : cost.dims)
      if (!marginal.has(dim)) dims.push_back(dim);
    const torch::Tensor probability = marginal.aligned(dims).exp();
    // Where the probability is 0 the cost (maybe -inf) contributes nothing, and no NaN
    // gradient either; `where` masks it without a host sync.
    const torch::Tensor cost_where_possible = at::where(probability > 0, cost.aligned(dims), 0);
    terms.push_back((probability * cost_where_possible).sum());
  }
  return sum_scalars(terms);
}

int64_t TraceEnum_ELBO::plate_nesting(const Program& model, const Program& guide) {
  if (options().max_plate_nesting() != kUnlimitedPlateNesting) return options().max_plate_nesting();
  if (!guessed_plate_nesting_) {
    handlers::BlockMessenger hide;
    const TracePair traces = run_traces(model, guide);  // not enumerated: no match check
    guessed_plate_nesting_ =
        std::max(guess_max_plate_nesting(traces.model), guess_max_plate_nesting(traces.guide));
  }
  return *guessed_plate_nesting_;
}

torch::Tensor TraceEnum_ELBO::differentiable_loss(const Program& model, const Program& guide,
                                                  std::vector<TracePair>* particles) {
  const int64_t nesting = plate_nesting(model, guide) + (vectorized() ? 1 : 0);
  Program model_wrapper, guide_wrapper;
  const Program& particle_model = particle_program(model, model_wrapper);
  const Program& particle_guide = particle_program(guide, guide_wrapper);
  std::vector<torch::Tensor> elbos;
  for (int64_t i = 0; i < num_passes(); ++i) {
    for_each_enumerated_traces(particle_model, particle_guide, -1 - nesting,
                               [&](TracePair& traces) {
                                 traces.model.compute_log_prob();
                                 traces.guide.compute_log_prob();
                                 check_site_shapes(traces, nesting);
                                 elbos.push_back(enumerated_elbo(traces));
                                 if (particles) particles->push_back(std::move(traces));
                               });
  }
  return sum_scalars(elbos) * (-1.0 / static_cast<double>(num_particles()));
}

}  // namespace ppl::infer
