#include "models/bayesian_regression.h"

#include <string>

namespace ppl::models {

torch::Tensor bayesian_regression_model(const torch::Tensor& x1, const torch::Tensor& x2,
                                        const torch::Tensor& y) {
  const auto options = x1.options();
  const auto zero = torch::zeros({}, options);
  auto a = ppl::sample("a", dist::Normal(zero, 10.0));
  auto b1 = ppl::sample("b1", dist::Normal(zero, 1.0));
  auto b2 = ppl::sample("b2", dist::Normal(zero, 1.0));
  auto b12 = ppl::sample("b12", dist::Normal(zero, 1.0));
  auto sigma = ppl::sample("sigma", dist::Uniform(zero, torch::full({}, 10.0, options)));
  auto mean = a + b1 * x1 + b2 * x2 + b12 * x1 * x2;
  ppl::plate data("data", x1.size(0));
  ppl::sample("obs", dist::Normal(mean, sigma), y);
  return mean;
}

void bayesian_regression_guide(const torch::Tensor& x1, const torch::Tensor& /*x2*/,
                               const torch::Tensor& /*y*/) {
  const auto options = x1.options();
  for (const char* name : kRegressionCoefficients) {
    const std::string prefix = name;
    auto loc = ppl::param(prefix + "_loc", [&] { return torch::zeros({}, options); });
    auto scale = ppl::param(
        prefix + "_scale", [&] { return torch::ones({}, options); }, constraints::positive);
    ppl::sample(prefix, dist::Normal(loc, scale));
  }
  auto sigma_loc = ppl::param(
      "sigma_loc", [&] { return torch::ones({}, options); }, constraints::positive);
  ppl::sample("sigma", dist::Normal(sigma_loc, 0.05));
}

}  // namespace ppl::models
