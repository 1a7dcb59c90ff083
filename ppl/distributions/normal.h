#pragma once
// Normal (Gaussian) distribution.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Normal(loc, scale) with reparameterized sampling. Parameters broadcast against each other.
class Normal : public DistributionBase<Normal> {
 public:
  /// std::invalid_argument (when validating) if loc is NaN or scale is not positive.
  Normal(TensorOrNumber loc, TensorOrNumber scale,
         std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Normal"; }
  const torch::Tensor& loc() const { return loc_; }
  const torch::Tensor& scale() const { return scale_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return loc_; }
  torch::Tensor variance() const override { return scale_.square(); }
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
