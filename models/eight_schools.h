#pragma once
// Eight schools (Rubin 1981; Gelman et al., Bayesian Data Analysis, 5.5), the hierarchical model
// of the effects of coaching programs in eight schools: the standard test of an MCMC sampler.

#include <ppl/ppl.h>

#include <torch/torch.h>

namespace ppl::models {

/// The estimated effects y and their standard errors sigma, float64.
torch::Tensor eight_schools_effects();
torch::Tensor eight_schools_standard_errors();

/// Non-centred: mu ~ N(0, 5); tau ~ HalfCauchy(5); in plate "schools", theta_tilde ~ N(0, 1),
/// theta = mu + tau theta_tilde (a deterministic site) and y ~ N(theta, sigma). Broadcasts
/// over dims left of its plate (vectorized chains).
void eight_schools(const torch::Tensor& y, const torch::Tensor& sigma);

/// Centred, the funnel-shaped form: theta ~ N(mu, tau) directly.
void eight_schools_centered(const torch::Tensor& y, const torch::Tensor& sigma);

}  // namespace ppl::models
