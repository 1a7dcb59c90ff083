#pragma once
// Half-Cauchy distribution: |X| for X ~ Cauchy(0, scale).

#include "ppl/distributions/cauchy.h"
#include "ppl/distributions/folded.h"

namespace ppl::dist {

/// HalfCauchy(scale): |X| for X ~ Cauchy(0, scale), density 2 / (pi scale (1 + (x / scale)^2))
/// on x >= 0, with reparameterized sampling. Its mean and variance are infinite.
class HalfCauchy : public Folded<HalfCauchy, Cauchy> {
 public:
  using Folded::Folded;
  static constexpr const char* kName = "HalfCauchy";

  /// log(2 / pi) - log(scale) - log1p((value / scale)^2), -inf below 0: the fold's density in
  /// closed form, cheaper than the base's log_prob + log 2 (a hot path of MCMC).
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// (2 / pi) atan(value / scale).
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  /// +inf, of batch_shape.
  torch::Tensor mean() const override;
  /// +inf, of batch_shape.
  torch::Tensor variance() const override;
};

}  // namespace ppl::dist
