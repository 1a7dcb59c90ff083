#pragma once
// Gumbel (type-I extreme value) distribution.

#include "ppl/distributions/location_scale.h"
#include "ppl/distributions/math.h"

namespace ppl::dist {

/// Gumbel(loc, scale): density exp(-(z + exp(-z))) / scale with z = (x - loc) / scale, with
/// reparameterized sampling loc - scale log(-log u). Parameters broadcast against each other.
/// Its mean is loc + scale * Euler's gamma, its variance (pi scale)^2 / 6.
class Gumbel : public LocationScale<Gumbel> {
 public:
  using LocationScale::LocationScale;
  static constexpr const char* kName = "Gumbel";

  torch::Tensor log_prob(const torch::Tensor& value) const override;

 private:
  friend class LocationScale<Gumbel>;
  static torch::Tensor standard_sample(const Shape& shape, c10::optional<at::Generator> generator,
                                       const torch::TensorOptions& options);
  /// exp(-exp(-z)).
  static torch::Tensor standard_cdf(const torch::Tensor& z);
  static torch::Tensor standard_icdf(const torch::Tensor& probability);
  static constexpr double kStandardMean = kEulerGamma;
  static constexpr double kStandardVariance = kPi * kPi / 6;
  static constexpr double kStandardEntropy = 1 + kEulerGamma;
};

}  // namespace ppl::dist
