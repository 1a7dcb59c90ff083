#pragma once
// Bayesian linear regression with an interaction term, after Pyro's Bayesian regression tutorial.

#include <ppl/ppl.h>

#include <torch/torch.h>

#include <array>

namespace ppl::models {

/// The coefficients in the order of the linear predictor a + b1 x1 + b2 x2 + b12 x1 x2. The guide
/// keeps params "<name>_loc" and "<name>_scale" for each, and "sigma_loc".
inline constexpr std::array<const char*, 4> kRegressionCoefficients = {"a", "b1", "b2", "b12"};

/// a ~ N(0, 10); b1, b2, b12 ~ N(0, 1); sigma ~ Uniform(0, 10);
/// y_i ~ N(a + b1 x1_i + b2 x2_i + b12 x1_i x2_i, sigma) in plate "data". `x1`, `x2` and `y` are
/// 1-d with the same length; an undefined `y` is drawn. Returns the linear predictor.
torch::Tensor bayesian_regression_model(const torch::Tensor& x1, const torch::Tensor& x2,
                                        const torch::Tensor& y);

/// Mean field: each coefficient ~ N(<name>_loc, <name>_scale) with a positive scale (initially
/// loc 0, scale 1); sigma ~ N(sigma_loc, 0.05) with a positive sigma_loc (initially 1).
void bayesian_regression_guide(const torch::Tensor& x1, const torch::Tensor& x2,
                               const torch::Tensor& y);

}  // namespace ppl::models
