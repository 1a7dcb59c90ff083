#pragma once
// The folded distributions: |X| for X ~ Base(0, scale), Base a location-scale family symmetric
// about 0 (HalfNormal, HalfCauchy).

#include "ppl/distributions/math.h"
#include "ppl/distributions/transformed_distribution.h"
#include "ppl/distributions/transforms/abs.h"

#include <limits>
#include <memory>

namespace ppl::dist {

/// Distribution `Derived` of |X|, X ~ `Base`(0, scale), as PyTorch's HalfNormal and HalfCauchy: a
/// TransformedDistribution of Base(0, scale) through Abs, with reparameterized sampling, density
/// 2 p_X(x) on x >= 0 and entropy H[X] - log 2. `Derived` names itself (`kName`) and writes
/// cdf, icdf, mean and variance.
template <class Derived, class Base>
class Folded : public TransformedDistribution {
 public:
  /// std::invalid_argument (when validating) unless scale is positive.
  explicit Folded(TensorOrNumber scale, std::optional<bool> validate_args = std::nullopt)
      : TransformedDistribution(std::make_shared<Base>(0.0, scale, /*validate_args=*/false),
                                {abs_transform()}, validate_args),
        scale_(static_cast<const Base&>(*base()).scale()) {
    validate_args_now();  // under this distribution's name, not Base's
  }

  std::string name() const override { return Derived::kName; }
  const torch::Tensor& scale() const { return scale_; }

  /// log 2 + log p_X(value), -inf below 0.
  torch::Tensor log_prob(const torch::Tensor& value) const override {
    validate_sample(value);
    return (base()->log_prob(value) + kLog2)
        .masked_fill(value < 0, -std::numeric_limits<double>::infinity());
  }
  /// H[X] - log 2.
  torch::Tensor entropy() const override { return base()->entropy() - kLog2; }
  DistributionPtr clone() const override { return copy(); }

 protected:
  std::vector<Arg> args() const override { return {{"scale", &scale_, constraints::positive}}; }
  std::shared_ptr<Distribution> copy() const override {
    return std::make_shared<Derived>(static_cast<const Derived&>(*this));
  }

 private:
  static const transforms::TransformPtr& abs_transform() {
    static const transforms::TransformPtr abs = std::make_shared<transforms::Abs>();
    return abs;
  }

  torch::Tensor scale_;  // the base's scale (the same tensor), for args() and the accessor
};

}  // namespace ppl::dist
