#pragma once
// Adagrad (Duchi et al.), with PyTorch's update rule.

#include "ppl/optim/optimizer.h"

#include <torch/arg.h>

namespace ppl::optim {

/// Options of `Adagrad`, as in torch.optim.Adagrad.
struct AdagradOptions {
  static constexpr const char* kName = "Adagrad";

  /// `AdagradOptions(0.1)` or `{0.1}` sets the learning rate.
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT: implicit, as LibTorch's options
  /// Throws std::invalid_argument naming the first invalid option.
  void check() const;

  TORCH_ARG(double, lr);
  TORCH_ARG(double, lr_decay) = 0;
  TORCH_ARG(double, weight_decay) = 0;
  TORCH_ARG(double, initial_accumulator_value) = 0;
  TORCH_ARG(double, eps) = 1e-10;
};

/// Adagrad, per parameter: s += g^2, p -= lr / (1 + (t-1) lr_decay) * g / (sqrt(s) + eps).
/// State: sum (starting at initial_accumulator_value).
class Adagrad : public OptimizerBase<AdagradOptions> {
 public:
  using OptimizerBase::OptimizerBase;

 protected:
  const std::vector<std::string>& tensor_names() const override;
  void init(OptionsSlot& slot) const override;
  void update(OptionsSlot& slot, const torch::Tensor& param,
              const torch::Tensor& grad) const override;
};

}  // namespace ppl::optim
