#pragma once
// Adam (Kingma & Ba), with PyTorch's update rule.

#include "ppl/optim/optimizer.h"

#include <torch/arg.h>

#include <tuple>

namespace ppl::optim {

/// Options of `Adam`, as in torch.optim.Adam (without amsgrad).
struct AdamOptions {
  static constexpr const char* kName = "Adam";

  /// (beta1, beta2): decay rates of the running mean of the gradient and of its square.
  using Betas = std::tuple<double, double>;

  /// `AdamOptions(1e-3)` or `{1e-3}` sets the learning rate.
  AdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT: implicit, as LibTorch's options
  /// Throws std::invalid_argument naming the first invalid option.
  void check() const;

  TORCH_ARG(double, lr);
  TORCH_ARG(Betas, betas) = std::make_tuple(0.9, 0.999);
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0;
};

/// Adam, per parameter: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
/// p -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps). State: exp_avg, exp_avg_sq.
class Adam : public OptimizerBase<AdamOptions> {
 public:
  using OptimizerBase::OptimizerBase;

 protected:
  const std::vector<std::string>& tensor_names() const override;
  void init(OptionsSlot& slot) const override;
  void update(OptionsSlot& slot, const torch::Tensor& param,
              const torch::Tensor& grad) const override;
};

}  // namespace ppl::optim
