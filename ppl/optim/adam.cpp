#include "ppl/optim/adam.h"

#include <cmath>

namespace ppl::optim {

void AdamOptions::check() const {
  const auto [beta1, beta2] = betas();
  detail::check_option(lr() >= 0, "Adam", "lr", "non-negative", lr());
  detail::check_option(beta1 >= 0 && beta1 < 1, "Adam", "betas[0]", "in [0, 1)", beta1);
  detail::check_option(beta2 >= 0 && beta2 < 1, "Adam", "betas[1]", "in [0, 1)", beta2);
  detail::check_option(eps() >= 0, "Adam", "eps", "non-negative", eps());
  detail::check_option(weight_decay() >= 0, "Adam", "weight_decay", "non-negative", weight_decay());
}

const std::vector<std::string>& Adam::tensor_names() const {
  static const std::vector<std::string> names{"exp_avg", "exp_avg_sq"};
  return names;
}

void Adam::init(OptionsSlot& slot) const {
  slot.tensors[0] = slot.zeros();
  slot.tensors[1] = slot.zeros();
}

void Adam::update(OptionsSlot& slot, const torch::Tensor& param, const torch::Tensor& grad) const {
  const AdamOptions& options = slot.options;
  const auto [beta1, beta2] = options.betas();
  torch::Tensor& exp_avg = slot.tensors[0];
  torch::Tensor& exp_avg_sq = slot.tensors[1];
  const torch::Tensor g =
      options.weight_decay() != 0 ? grad.add(param, options.weight_decay()) : grad;
  slot.step += 1;
  exp_avg.mul_(beta1).add_(g, 1 - beta1);
  exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2);
  const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(slot.step));
  const double root_bias_correction2 =
      std::sqrt(1 - std::pow(beta2, static_cast<double>(slot.step)));
  // PyTorch's p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), with sqrt(bc2) moved into the scalars
  // to save a pass over v.
  const torch::Tensor denom = exp_avg_sq.sqrt().add_(options.eps() * root_bias_correction2);
  param.addcdiv_(exp_avg, denom, -options.lr() * root_bias_correction2 / bias_correction1);
}

}  // namespace ppl::optim
