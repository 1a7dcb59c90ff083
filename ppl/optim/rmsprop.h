#pragma once
// RMSprop (Hinton), with PyTorch's update rule.

#include "ppl/optim/optimizer.h"

#include <torch/arg.h>

namespace ppl::optim {

/// Options of `RMSprop`, as in torch.optim.RMSprop.
struct RMSpropOptions {
  static constexpr const char* kName = "RMSprop";

  /// `RMSpropOptions(0.1)` or `{0.1}` sets the learning rate.
  RMSpropOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT: implicit, as LibTorch's options
  /// Throws std::invalid_argument naming the first invalid option.
  void check() const;

  TORCH_ARG(double, lr);
  TORCH_ARG(double, alpha) = 0.99;
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(double, momentum) = 0;
  TORCH_ARG(bool, centered) = false;
};

/// RMSprop, per parameter: a = alpha a + (1-alpha) g^2, avg = sqrt(a) + eps (centered: the
/// running mean of g, m, enters as sqrt(a - m^2) + eps); p -= lr g / avg, or through a momentum
/// buffer b = momentum b + g / avg, p -= lr b. State: square_avg, momentum_buffer (momentum > 0),
/// grad_avg (centered).
class RMSprop : public OptimizerBase<RMSpropOptions> {
 public:
  using OptimizerBase::OptimizerBase;

 protected:
  const std::vector<std::string>& tensor_names() const override;
  void init(OptionsSlot& slot) const override;
  void update(OptionsSlot& slot, const torch::Tensor& param,
              const torch::Tensor& grad) const override;
};

}  // namespace ppl::optim
