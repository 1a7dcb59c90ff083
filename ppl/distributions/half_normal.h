#pragma once
// Half-normal distribution: |X| for X ~ Normal(0, scale).

#include "ppl/distributions/folded.h"
#include "ppl/distributions/normal.h"

namespace ppl::dist {

/// HalfNormal(scale): |X| for X ~ Normal(0, scale), density 2 N(x | 0, scale) on x >= 0, with
/// reparameterized sampling.
class HalfNormal : public Folded<HalfNormal, Normal> {
 public:
  using Folded::Folded;
  static constexpr const char* kName = "HalfNormal";

  /// erf(value / (scale sqrt 2)).
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  /// scale sqrt(2 / pi).
  torch::Tensor mean() const override;
  /// scale^2 (1 - 2 / pi).
  torch::Tensor variance() const override;
};

}  // namespace ppl::dist
