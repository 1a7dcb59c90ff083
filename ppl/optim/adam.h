#pragma once
// Adam (Kingma & Ba), with PyTorch's update rule.

#include "ppl/optim/kernels/adam_update.h"
#include "ppl/optim/optimizer.h"

#include <torch/arg.h>

#include <cmath>
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

namespace detail {

/// Checks the options Adam and ClippedAdam share; errors name `optimizer`.
template <typename Options>
void check_adam_options(const Options& options, const char* optimizer) {
  const auto [beta1, beta2] = options.betas();
  check_option(options.lr() >= 0, optimizer, "lr", "non-negative", options.lr());
  check_option(beta1 >= 0 && beta1 < 1, optimizer, "betas[0]", "in [0, 1)", beta1);
  check_option(beta2 >= 0 && beta2 < 1, optimizer, "betas[1]", "in [0, 1)", beta2);
  check_option(options.eps() >= 0, optimizer, "eps", "non-negative", options.eps());
  check_option(options.weight_decay() >= 0, optimizer, "weight_decay", "non-negative",
               options.weight_decay());
}

/// Where eps enters Adam's denominator: PyTorch's Adam adds it to sqrt(v / (1 - beta2^t)),
/// Pyro's ClippedAdam to sqrt(v).
enum class AdamEps { kAfterBiasCorrection, kBeforeBiasCorrection };

/// Adam's state (exp_avg, exp_avg_sq) and update for options with Adam's lr, betas, eps and
/// weight_decay: the base of Adam and ClippedAdam.
template <typename Options>
class AdamBase : public OptimizerBase<Options> {
 public:
  using OptimizerBase<Options>::OptimizerBase;

 protected:
  using typename OptimizerBase<Options>::OptionsSlot;

  const std::vector<std::string>& tensor_names() const override {
    static const std::vector<std::string> names{"exp_avg", "exp_avg_sq"};
    return names;
  }
  void init(OptionsSlot& slot) const override {
    slot.tensors[0] = slot.zeros();
    slot.tensors[1] = slot.zeros();
  }
  /// Counts the step and applies Adam's update along `grad` + weight_decay `param`, with the
  /// slot's options.
  void step_adam(OptionsSlot& slot, const torch::Tensor& param, const torch::Tensor& grad,
                 AdamEps eps_placement) const {
    const Options& options = slot.options;
    const auto [beta1, beta2] = options.betas();
    const torch::Tensor g =
        options.weight_decay() != 0 ? grad.add(param, options.weight_decay()) : grad;
    const double step = static_cast<double>(++slot.step);
    const double bias_correction1 = 1 - std::pow(beta1, step);
    const double root_bias_correction2 = std::sqrt(1 - std::pow(beta2, step));
    // PyTorch's p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps) with sqrt(bc2) moved into the scalars
    // to save a pass over v; Pyro's ClippedAdam has no sqrt(bc2) on eps.
    const double step_size = options.lr() * root_bias_correction2 / bias_correction1;
    const double eps = eps_placement == AdamEps::kAfterBiasCorrection
                           ? options.eps() * root_bias_correction2
                           : options.eps();
    kernels::adam_update(param, g, slot.tensors[0], slot.tensors[1], beta1, beta2, step_size, eps);
  }
};

}  // namespace detail

/// Adam, per parameter: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
/// p -= lr / (1-b1^t) * m / (sqrt(v) / sqrt(1-b2^t) + eps). State: exp_avg, exp_avg_sq.
class Adam : public detail::AdamBase<AdamOptions> {
 public:
  using AdamBase::AdamBase;

 protected:
  void update(OptionsSlot& slot, const torch::Tensor& param,
              const torch::Tensor& grad) const override {
    step_adam(slot, param, grad, detail::AdamEps::kAfterBiasCorrection);
  }
};

}  // namespace ppl::optim
