#pragma once
// Gamma distribution (shape-rate parameterization).

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Gamma(concentration, rate), density rate^a x^(a-1) e^(-rate x) / Gamma(a) on x >= 0, with
/// reparameterized sampling by implicit differentiation (ATen's `_standard_gamma`).
class Gamma : public DistributionBase<Gamma> {
 public:
  /// std::invalid_argument (when validating) unless concentration and rate are positive.
  Gamma(TensorOrNumber concentration, TensorOrNumber rate,
        std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Gamma"; }
  const torch::Tensor& concentration() const { return concentration_; }
  const torch::Tensor& rate() const { return rate_; }

  bool has_rsample() const override { return true; }
  /// Draws clamped below at the dtype's smallest normal value, as PyTorch.
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// The regularized lower incomplete gamma function P(concentration, rate * value).
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return concentration_ / rate_; }
  torch::Tensor variance() const override { return concentration_ / rate_.square(); }
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::nonnegative; }

 protected:
  /// For parameterizations built on Gamma (Chi2): sets no parameter and validates nothing.
  explicit Gamma(std::optional<bool> validate_args) : DistributionBase(validate_args) {}

  std::vector<Arg> args() const override {
    return {{"concentration", &concentration_, constraints::positive},
            {"rate", &rate_, constraints::positive}};
  }

  torch::Tensor concentration_;
  torch::Tensor rate_;
};

namespace detail {
/// Standard gamma draws of shape `shape` (`concentration` broadcast to it), reparameterized through
/// `_standard_gamma`'s implicit gradient.
torch::Tensor standard_gamma(const torch::Tensor& concentration, const Shape& shape,
                             c10::optional<at::Generator> generator);
/// Clamps `value` in place below at its dtype's smallest normal value without recording the clamp
/// in the autograd graph (as PyTorch's `value.detach().clamp_(min=tiny)`); `value` must not be
/// saved for a backward pass.
void clamp_to_tiny_(const torch::Tensor& value);
}  // namespace detail

}  // namespace ppl::dist
