#pragma once
// Laplace (double exponential) distribution.

#include "ppl/distributions/location_scale.h"

namespace ppl::dist {

/// Laplace(loc, scale), density e^(-|x - loc| / scale) / (2 scale), with reparameterized
/// sampling.
class Laplace : public LocationScale<Laplace> {
 public:
  using LocationScale::LocationScale;
  static constexpr const char* kName = "Laplace";

  torch::Tensor log_prob(const torch::Tensor& value) const override;

 private:
  friend class LocationScale<Laplace>;
  static torch::Tensor standard_sample(const Shape& shape, c10::optional<at::Generator> generator,
                                       const torch::TensorOptions& options);
  static torch::Tensor standard_cdf(const torch::Tensor& z);
  static torch::Tensor standard_icdf(const torch::Tensor& probability);
  static constexpr double kStandardMean = 0;
  static constexpr double kStandardVariance = 2;
  static const double kStandardEntropy;
};

}  // namespace ppl::dist
