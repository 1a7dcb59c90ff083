#pragma once
// Log-normal distribution: exp of a Normal.

#include "ppl/distributions/transformed_distribution.h"

namespace ppl::dist {

/// LogNormal(loc, scale): exp(X) for X ~ Normal(loc, scale), as a TransformedDistribution of that
/// Normal through Exp, with reparameterized sampling. Parameters broadcast against each other.
class LogNormal : public TransformedDistribution {
 public:
  /// std::invalid_argument (when validating) if loc is NaN or scale is not positive.
  LogNormal(TensorOrNumber loc, TensorOrNumber scale,
            std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "LogNormal"; }
  /// The mean and standard deviation of log(X).
  const torch::Tensor& loc() const { return loc_; }
  const torch::Tensor& scale() const { return scale_; }

  torch::Tensor mean() const override;
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  DistributionPtr clone() const override { return copy(); }

 protected:
  std::vector<Arg> args() const override {
    return {{"loc", &loc_, constraints::real}, {"scale", &scale_, constraints::positive}};
  }
  std::shared_ptr<Distribution> copy() const override { return std::make_shared<LogNormal>(*this); }

 private:
  // The base Normal's parameters (the same tensors), for args() and the accessors.
  torch::Tensor loc_;
  torch::Tensor scale_;
};

}  // namespace ppl::dist
