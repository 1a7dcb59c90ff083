#pragma once
// Cauchy (Lorentz) distribution.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Cauchy(loc, scale), density 1 / (pi scale (1 + ((x - loc) / scale)^2)), with reparameterized
/// sampling. Its mean is undefined (NaN) and its variance infinite.
class Cauchy : public DistributionBase<Cauchy> {
 public:
  /// std::invalid_argument (when validating) if loc is NaN or scale is not positive.
  Cauchy(TensorOrNumber loc, TensorOrNumber scale,
         std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Cauchy"; }
  const torch::Tensor& loc() const { return loc_; }
  const torch::Tensor& scale() const { return scale_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  /// NaN everywhere.
  torch::Tensor mean() const override;
  /// Infinity everywhere.
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::real; }

 protected:
  std::vector<Arg> args() override {
    return {{"loc", &loc_, constraints::real}, {"scale", &scale_, constraints::positive}};
  }

 private:
  torch::Tensor loc_;
  torch::Tensor scale_;
};

}  // namespace ppl::dist
