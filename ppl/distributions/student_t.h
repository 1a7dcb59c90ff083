#pragma once
// Student's t distribution.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// StudentT(df, loc, scale): loc + scale * T with T a standard t variable with df degrees of
/// freedom. Reparameterized sampling as normal / sqrt(chi2 / df), the chi2 draw differentiable
/// by the gamma's implicit gradient.
class StudentT : public DistributionBase<StudentT> {
 public:
  /// std::invalid_argument (when validating) unless df and scale are positive and loc is a
  /// number.
  explicit StudentT(TensorOrNumber df, TensorOrNumber loc = 0.0, TensorOrNumber scale = 1.0,
                    std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "StudentT"; }
  const torch::Tensor& df() const { return df_; }
  const torch::Tensor& loc() const { return loc_; }
  const torch::Tensor& scale() const { return scale_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// loc where df > 1, else NaN.
  torch::Tensor mean() const override;
  /// scale^2 df / (df - 2) where df > 2, infinity where 1 < df <= 2, else NaN.
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::real; }

 protected:
  std::vector<Arg> args() const override {
    return {{"df", &df_, constraints::positive},
            {"loc", &loc_, constraints::real},
            {"scale", &scale_, constraints::positive}};
  }

 private:
  torch::Tensor df_;
  torch::Tensor loc_;
  torch::Tensor scale_;
};

}  // namespace ppl::dist
