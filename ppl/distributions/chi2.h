#pragma once
// Chi-squared distribution.

#include "ppl/distributions/gamma.h"

namespace ppl::dist {

/// Chi2(df) = Gamma(df / 2, 1 / 2), reparameterized as Gamma.
class Chi2 : public Gamma {
 public:
  /// std::invalid_argument (when validating) unless df is positive.
  explicit Chi2(TensorOrNumber df, std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Chi2"; }
  /// Degrees of freedom.
  const torch::Tensor& df() const { return df_; }

  DistributionPtr clone() const override { return copy(); }
  /// Expands df and the Gamma parameters derived from it (views, no copies).
  DistributionPtr expand_ptr(const Shape& batch_shape) const override;

 protected:
  std::vector<Arg> args() const override { return {{"df", &df_, constraints::positive}}; }
  std::shared_ptr<Distribution> copy() const override { return std::make_shared<Chi2>(*this); }

 private:
  torch::Tensor df_;
};

}  // namespace ppl::dist
