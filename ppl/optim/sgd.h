#pragma once
// Stochastic gradient descent with optional (Nesterov) momentum, with PyTorch's update rule.

#include "ppl/optim/optimizer.h"

#include <torch/arg.h>

namespace ppl::optim {

/// Options of `SGD`, as in torch.optim.SGD; the learning rate has no default.
struct SGDOptions {
  static constexpr const char* kName = "SGD";

  /// `SGDOptions(0.1)` or `{0.1}` sets the learning rate.
  SGDOptions(double lr) : lr_(lr) {}  // NOLINT: implicit, as LibTorch's options
  /// Throws std::invalid_argument naming the first invalid option.
  void check() const;

  TORCH_ARG(double, lr);
  TORCH_ARG(double, momentum) = 0;
  TORCH_ARG(double, dampening) = 0;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(bool, nesterov) = false;
};

/// SGD, per parameter: d = g (+ weight_decay p); with momentum, b = d on the first step and
/// b = momentum b + (1 - dampening) d after, d = b (or d + momentum b with nesterov);
/// p -= lr d. State: momentum_buffer (only with momentum, from the first update on).
class SGD : public OptimizerBase<SGDOptions> {
 public:
  using OptimizerBase::OptimizerBase;

 protected:
  const std::vector<std::string>& tensor_names() const override;
  void init(OptionsSlot& slot) const override;
  void update(OptionsSlot& slot, const torch::Tensor& param,
              const torch::Tensor& grad) const override;
};

}  // namespace ppl::optim
