#include "ppl/optim/adam.h"

#include "ppl/optim/kernels/adam_update.h"

#include <cmath>

namespace ppl::optim {

void AdamOptions::check() const {
  detail::check_adam_options(*this, kName);
}

namespace detail {

void adam_step(const torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& exp_avg,
               torch::Tensor& exp_avg_sq, int64_t step, double lr,
               const std::tuple<double, double>& betas, double eps, double weight_decay,
               AdamEps eps_placement) {
  const auto [beta1, beta2] = betas;
  const torch::Tensor g = weight_decay != 0 ? grad.add(param, weight_decay) : grad;
  const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(step));
  const double root_bias_correction2 = std::sqrt(1 - std::pow(beta2, static_cast<double>(step)));
  // p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), with sqrt(bc2) moved into the scalars to save a
  // pass over v.
  const double step_size = lr * root_bias_correction2 / bias_correction1;
  const double denominator_eps =
      eps_placement == AdamEps::kAfterBiasCorrection ? eps * root_bias_correction2 : eps;
  kernels::adam_update(param, g, exp_avg, exp_avg_sq, beta1, beta2, step_size, denominator_eps);
}

}  // namespace detail
}  // namespace ppl::optim
