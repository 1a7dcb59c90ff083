#pragma once
// Cauchy (Lorentz) distribution.

#include "ppl/distributions/location_scale.h"

#include <limits>

namespace ppl::dist {

/// Cauchy(loc, scale), density 1 / (pi scale (1 + ((x - loc) / scale)^2)), with reparameterized
/// sampling. Its mean is undefined (NaN) and its variance infinite.
class Cauchy : public LocationScale<Cauchy> {
 public:
  using LocationScale::LocationScale;
  static constexpr const char* kName = "Cauchy";

  torch::Tensor log_prob(const torch::Tensor& value) const override;

 private:
  friend class LocationScale<Cauchy>;
  static torch::Tensor standard_sample(const Shape& shape, c10::optional<at::Generator> generator,
                                       const torch::TensorOptions& options);
  static torch::Tensor standard_cdf(const torch::Tensor& z);
  static torch::Tensor standard_icdf(const torch::Tensor& probability);
  static constexpr double kStandardMean = std::numeric_limits<double>::quiet_NaN();
  static constexpr double kStandardVariance = std::numeric_limits<double>::infinity();
  static const double kStandardEntropy;
};

}  // namespace ppl::dist
