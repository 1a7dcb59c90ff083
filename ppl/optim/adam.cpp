#include "ppl/optim/adam.h"

#include <ATen/Dispatch.h>
#include <torch/csrc/autograd/variable.h>

#include <cmath>

namespace ppl::optim {
namespace {

/// Below this many elements a CPU parameter is updated by a plain loop: the seven tensor ops
/// of the update would cost far more in dispatch than in arithmetic.
constexpr int64_t kSmallParameter = 64;

bool use_scalar_loop(const torch::Tensor& param, const torch::Tensor& grad,
                     const torch::Tensor& exp_avg, const torch::Tensor& exp_avg_sq) {
  return param.numel() <= kSmallParameter && param.device().is_cpu() && grad.device().is_cpu() &&
         grad.scalar_type() == param.scalar_type() && param.is_contiguous() &&
         grad.is_contiguous() && exp_avg.is_contiguous() && exp_avg_sq.is_contiguous() &&
         at::isFloatingType(param.scalar_type()) && param.scalar_type() != at::kHalf &&
         param.scalar_type() != at::kBFloat16;
}

}  // namespace

void AdamOptions::check() const {
  const auto [beta1, beta2] = betas();
  detail::check_option(lr() >= 0, kName, "lr", "non-negative", lr());
  detail::check_option(beta1 >= 0 && beta1 < 1, kName, "betas[0]", "in [0, 1)", beta1);
  detail::check_option(beta2 >= 0 && beta2 < 1, kName, "betas[1]", "in [0, 1)", beta2);
  detail::check_option(eps() >= 0, kName, "eps", "non-negative", eps());
  detail::check_option(weight_decay() >= 0, kName, "weight_decay", "non-negative", weight_decay());
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
  const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
  torch::Tensor& exp_avg = slot.tensors[0];
  torch::Tensor& exp_avg_sq = slot.tensors[1];
  const torch::Tensor g =
      options.weight_decay() != 0 ? grad.add(param, options.weight_decay()) : grad;
  slot.step += 1;
  const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(slot.step));
  const double root_bias_correction2 =
      std::sqrt(1 - std::pow(beta2, static_cast<double>(slot.step)));
  // PyTorch's p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), with sqrt(bc2) moved into the scalars
  // to save a pass over v.
  const double step_size = options.lr() * root_bias_correction2 / bias_correction1;
  const double eps = options.eps() * root_bias_correction2;
  if (use_scalar_loop(param, g, exp_avg, exp_avg_sq)) {
    AT_DISPATCH_FLOATING_TYPES(param.scalar_type(), "ppl_adam_small", [&] {
      scalar_t* p = param.data_ptr<scalar_t>();
      const scalar_t* gp = g.data_ptr<scalar_t>();
      scalar_t* m = exp_avg.data_ptr<scalar_t>();
      scalar_t* v = exp_avg_sq.data_ptr<scalar_t>();
      for (int64_t i = 0; i < param.numel(); ++i) {
        m[i] = m[i] * beta1 + gp[i] * (1 - beta1);
        v[i] = v[i] * beta2 + gp[i] * gp[i] * (1 - beta2);
        p[i] -= step_size * m[i] / (std::sqrt(v[i]) + eps);
      }
    });
    torch::autograd::impl::bump_version(param);  // as an in-place op would
    return;
  }
  exp_avg.mul_(beta1).add_(g, 1 - beta1);
  exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2);
  param.addcdiv_(exp_avg, exp_avg_sq.sqrt().add_(eps), -step_size);
}

}  // namespace ppl::optim
