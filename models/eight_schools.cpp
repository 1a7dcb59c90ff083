#include "models/eight_schools.h"

namespace ppl::models {

torch::Tensor eight_schools_effects() {
  return torch::tensor({28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0}, torch::kDouble);
}

torch::Tensor eight_schools_standard_errors() {
  return torch::tensor({15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0}, torch::kDouble);
}

void eight_schools(const torch::Tensor& y, const torch::Tensor& sigma) {
  const auto zero = torch::zeros({}, y.options());
  auto mu = ppl::sample("mu", dist::Normal(zero, 5.0));
  auto tau = ppl::sample("tau", dist::HalfCauchy(zero + 5.0));
  ppl::plate schools("schools", y.size(0));
  auto theta_tilde = ppl::sample("theta_tilde", dist::Normal(zero, 1.0));
  auto theta = ppl::deterministic("theta", mu + tau * theta_tilde);
  ppl::sample("y", dist::Normal(theta, sigma), y);
}

void eight_schools_centered(const torch::Tensor& y, const torch::Tensor& sigma) {
  const auto zero = torch::zeros({}, y.options());
  auto mu = ppl::sample("mu", dist::Normal(zero, 5.0));
  auto tau = ppl::sample("tau", dist::HalfCauchy(zero + 5.0));
  ppl::plate schools("schools", y.size(0));
  auto theta = ppl::sample("theta", dist::Normal(mu, tau));
  ppl::sample("y", dist::Normal(theta, sigma), y);
}

}  // namespace ppl::models
