#include "ppl/optim/kernels/adam_update.h"

#include <ATen/Dispatch.h>
#include <torch/csrc/autograd/variable.h>

#include <cmath>

namespace ppl::optim::kernels {
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

void adam_update(const torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& exp_avg,
                 torch::Tensor& exp_avg_sq, double beta1, double beta2, double step_size,
                 double eps) {
  if (use_scalar_loop(param, grad, exp_avg, exp_avg_sq)) {
    AT_DISPATCH_FLOATING_TYPES(param.scalar_type(), "ppl_adam_small", [&] {
      scalar_t* p = param.data_ptr<scalar_t>();
      const scalar_t* gp = grad.data_ptr<scalar_t>();
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
  exp_avg.mul_(beta1).add_(grad, 1 - beta1);
  exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
  param.addcdiv_(exp_avg, exp_avg_sq.sqrt().add_(eps), -step_size);
}

}  // namespace ppl::optim::kernels
