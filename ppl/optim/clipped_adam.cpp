#include "ppl/optim/clipped_adam.h"

#include <cmath>

namespace ppl::optim {

void ClippedAdamOptions::check() const {
  const auto [beta1, beta2] = betas();
  detail::check_option(lr() >= 0, kName, "lr", "non-negative", lr());
  detail::check_option(beta1 >= 0 && beta1 < 1, kName, "betas[0]", "in [0, 1)", beta1);
  detail::check_option(beta2 >= 0 && beta2 < 1, kName, "betas[1]", "in [0, 1)", beta2);
  detail::check_option(eps() >= 0, kName, "eps", "non-negative", eps());
  detail::check_option(weight_decay() >= 0, kName, "weight_decay", "non-negative", weight_decay());
  detail::check_option(clip_norm() > 0, kName, "clip_norm", "positive", clip_norm());
  detail::check_option(lrd() > 0, kName, "lrd", "positive", lrd());
}

const std::vector<std::string>& ClippedAdam::tensor_names() const {
  static const std::vector<std::string> names{"exp_avg", "exp_avg_sq"};
  return names;
}

void ClippedAdam::init(OptionsSlot& slot) const {
  slot.tensors[0] = slot.zeros();
  slot.tensors[1] = slot.zeros();
}

void ClippedAdam::update(OptionsSlot& slot, const torch::Tensor& param,
                         const torch::Tensor& grad) const {
  ClippedAdamOptions& options = slot.options;
  const auto [beta1, beta2] = options.betas();
  torch::Tensor& exp_avg = slot.tensors[0];
  torch::Tensor& exp_avg_sq = slot.tensors[1];
  options.lr() *= options.lrd();
  torch::Tensor g = grad.clamp(-options.clip_norm(), options.clip_norm());
  if (options.weight_decay() != 0) g.add_(param, options.weight_decay());
  slot.step += 1;
  exp_avg.mul_(beta1).add_(g, 1 - beta1);
  exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2);
  const torch::Tensor denom = exp_avg_sq.sqrt().add_(options.eps());
  const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(slot.step));
  const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(slot.step));
  const double step_size = options.lr() * std::sqrt(bias_correction2) / bias_correction1;
  param.addcdiv_(exp_avg, denom, -step_size);
}

}  // namespace ppl::optim
