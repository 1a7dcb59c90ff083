#pragma once
// The Gaussian mixture of Pyro's tutorial "Gaussian Mixture Model", with the component of each
// datum summed out by enumeration, and its MAP fit.

#include <ppl/ppl.h>

#include <cstdint>

namespace ppl::models {

/// weights ~ Dirichlet(0.5); scale ~ LogNormal(0, 2); locs_k ~ Normal(0, 10) for each of the
/// `num_components` components; for each datum, assignment ~ Categorical(weights) (enumerated in
/// parallel) and obs ~ Normal(locs[assignment], scale).
void gaussian_mixture_model(const torch::Tensor& data, int64_t num_components);

struct GaussianMixtureFit {
  torch::Tensor weights, locs, scale;  ///< MAP estimates
  uint64_t seed = 0;                   ///< the initialization chosen
  double initial_loss = 0, final_loss = 0;
};

/// The tutorial's procedure: of `num_inits` seeded initializations (uniform weights, scale
/// sqrt(var(data) / 2), locs at random data points), the one with the lowest TraceEnum_ELBO loss,
/// then `num_steps` of SVI with Adam(lr 0.1, betas 0.8, 0.99) on an AutoDelta guide of the
/// global sites. Uses the current param store (cleared first).
GaussianMixtureFit fit_gaussian_mixture(const torch::Tensor& data, int64_t num_components,
                                        int64_t num_inits = 100, int64_t num_steps = 200);

}  // namespace ppl::models
