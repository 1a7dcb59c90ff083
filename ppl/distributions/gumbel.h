#pragma once
// Gumbel (type-I extreme value) distribution.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Gumbel(loc, scale): density exp(-(z + exp(-z))) / scale with z = (x - loc) / scale, with
/// reparameterized sampling loc - scale log(-log u). Parameters broadcast against each other.
class Gumbel : public DistributionBase<Gumbel> {
 public:
  /// std::invalid_argument (when validating) if loc is NaN or scale is not positive.
  Gumbel(TensorOrNumber loc, TensorOrNumber scale,
         std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Gumbel"; }
  const torch::Tensor& loc() const { return loc_; }
  const torch::Tensor& scale() const { return scale_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// exp(-exp(-(value - loc) / scale)).
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  /// loc + scale * Euler's gamma.
  torch::Tensor mean() const override;
  /// (pi scale)^2 / 6.
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
