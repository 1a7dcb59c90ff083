#pragma once
// Adagrad (Duchi et al.), with PyTorch's update rule.

#include "ppl/optim/optimizer.h"

#include <torch/arg.h>

namespace ppl::optim {

/// Options of `Adagrad`, as in torch.optim.Adagrad.
struct AdagradOptions {
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
  /// Default options with learning rate `lr` (> 0): `Adagrad(0.01)` or `Adagrad({0.01})`.
  explicit Adagrad(double lr) : OptimizerBase(lr, "Adagrad") {}
  /// The same options for every parameter.
  explicit Adagrad(AdagradOptions options = {}) : OptimizerBase(std::move(options)) {}
  /// Options per parameter from `options_fn(module_name, param_name)`.
  explicit Adagrad(OptionsFn options_fn) : OptimizerBase(std::move(options_fn)) {}

  const char* type_name() const override { return "Adagrad"; }

 protected:
  const std::vector<std::string>& tensor_names() const override;
  void init(OptionsSlot& slot) const override;
  void update(OptionsSlot& slot, const torch::Tensor& param,
              const torch::Tensor& grad) const override;
};

}  // namespace ppl::optim
