#pragma once
// Half-Cauchy distribution: |X| for X ~ Cauchy(0, scale).

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// HalfCauchy(scale): density 2 / (pi scale (1 + (x / scale)^2)) on x >= 0, with reparameterized
/// sampling scale |c|, c ~ Cauchy(0, 1). Its mean and variance are infinite.
class HalfCauchy : public DistributionBase<HalfCauchy> {
 public:
  /// std::invalid_argument (when validating) unless scale is positive.
  explicit HalfCauchy(TensorOrNumber scale, std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "HalfCauchy"; }
  const torch::Tensor& scale() const { return scale_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// log 2 - log(pi scale) - log1p((value / scale)^2), -inf below 0.
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// (2 / pi) atan(value / scale).
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  /// +inf, of batch_shape.
  torch::Tensor mean() const override;
  /// +inf, of batch_shape.
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::nonnegative; }

 protected:
  std::vector<Arg> args() override { return {{"scale", &scale_, constraints::positive}}; }

 private:
  torch::Tensor scale_;
};

}  // namespace ppl::dist
