#pragma once
// Half-normal distribution: |X| for X ~ Normal(0, scale).

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// HalfNormal(scale): density 2 N(x | 0, scale) on x >= 0, with reparameterized sampling
/// scale |eps|, eps ~ Normal(0, 1).
class HalfNormal : public DistributionBase<HalfNormal> {
 public:
  /// std::invalid_argument (when validating) unless scale is positive.
  explicit HalfNormal(TensorOrNumber scale, std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "HalfNormal"; }
  const torch::Tensor& scale() const { return scale_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// log 2 + log N(value | 0, scale), -inf below 0.
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// erf(value / (scale sqrt 2)).
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  /// scale sqrt(2 / pi).
  torch::Tensor mean() const override;
  /// scale^2 (1 - 2 / pi).
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::nonnegative; }

 protected:
  std::vector<Arg> args() override { return {{"scale", &scale_, constraints::positive}}; }

 private:
  torch::Tensor scale_;
};

}  // namespace ppl::dist
