#pragma once
// Pyro's ClippedAdam: Adam on element-wise clipped gradients with a learning rate that decays
// geometrically per step.

#include "ppl/optim/adam.h"

#include <torch/arg.h>

#include <tuple>

namespace ppl::optim {

/// Options of `ClippedAdam`, as in pyro.optim.ClippedAdam: Adam's and clip_norm, lrd.
struct ClippedAdamOptions {
  static constexpr const char* kName = "ClippedAdam";

  /// (beta1, beta2): decay rates of the running mean of the gradient and of its square.
  using Betas = std::tuple<double, double>;

  /// `ClippedAdamOptions(1e-3)` or `{1e-3}` sets the learning rate.
  ClippedAdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit, as LibTorch's options
  /// Throws std::invalid_argument naming the first invalid option.
  void check() const;

  TORCH_ARG(double, lr);
  TORCH_ARG(Betas, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0;
  /// Gradients are clamped element-wise to [-clip_norm, clip_norm].
  TORCH_ARG(double, clip_norm) = 10;
  /// The learning rate is multiplied by lrd before every update.
  TORCH_ARG(double, lrd) = 1;
};

/// ClippedAdam, per parameter, exactly as Pyro: lr *= lrd; g = clamp(g, -clip_norm, clip_norm)
/// (+ weight_decay p); m, v as in Adam; p -= lr sqrt(1-b2^t) / (1-b1^t) * m / (sqrt(v) + eps).
/// State: exp_avg, exp_avg_sq (Adam's); `lr(name)` is the decayed learning rate.
class ClippedAdam : public detail::AdamBase<ClippedAdamOptions> {
 public:
  using AdamBase::AdamBase;

 protected:
  void update(OptionsSlot& slot, const torch::Tensor& param,
              const torch::Tensor& grad) const override;
};

}  // namespace ppl::optim
