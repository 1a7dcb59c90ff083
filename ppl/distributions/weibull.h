#pragma once
// Weibull distribution (two parameters).

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Weibull(scale, concentration): density (k / scale) (x / scale)^(k-1) exp(-(x / scale)^k) on
/// x > 0 with k = concentration, with reparameterized sampling scale * E^(1/k), E ~
/// Exponential(1). Parameters broadcast against each other.
class Weibull : public DistributionBase<Weibull> {
 public:
  /// std::invalid_argument (when validating) unless scale and concentration are positive.
  Weibull(TensorOrNumber scale, TensorOrNumber concentration,
          std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Weibull"; }
  const torch::Tensor& scale() const { return scale_; }
  const torch::Tensor& concentration() const { return concentration_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// 1 - exp(-(value / scale)^concentration).
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  /// scale Gamma(1 + 1/k).
  torch::Tensor mean() const override;
  /// scale^2 (Gamma(1 + 2/k) - Gamma(1 + 1/k)^2).
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::positive; }

 protected:
  std::vector<Arg> args() const override {
    return {{"scale", &scale_, constraints::positive},
            {"concentration", &concentration_, constraints::positive}};
  }

 private:
  torch::Tensor scale_;
  torch::Tensor concentration_;
};

}  // namespace ppl::dist
