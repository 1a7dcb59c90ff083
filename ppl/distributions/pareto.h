#pragma once
// Pareto (type I) distribution.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Pareto(scale, alpha): density alpha scale^alpha / x^(alpha + 1) on x >= scale, with
/// reparameterized sampling scale exp(E / alpha), E ~ Exponential(1). Parameters broadcast
/// against each other.
class Pareto : public DistributionBase<Pareto> {
 public:
  /// std::invalid_argument (when validating) unless scale and alpha are positive.
  Pareto(TensorOrNumber scale, TensorOrNumber alpha,
         std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Pareto"; }
  const torch::Tensor& scale() const { return scale_; }
  const torch::Tensor& alpha() const { return alpha_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// 1 - (scale / value)^alpha.
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  /// alpha scale / (alpha - 1); +inf where alpha <= 1.
  torch::Tensor mean() const override;
  /// scale^2 alpha / ((alpha - 1)^2 (alpha - 2)); +inf where alpha <= 2.
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  /// greater_than_eq(scale).
  constraints::ConstraintPtr support() const override;

 protected:
  std::vector<Arg> args() const override {
    return {{"scale", &scale_, constraints::positive}, {"alpha", &alpha_, constraints::positive}};
  }

 private:
  torch::Tensor scale_;
  torch::Tensor alpha_;
};

}  // namespace ppl::dist
