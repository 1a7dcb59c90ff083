#pragma once
// Normal (Gaussian) distribution.

#include "ppl/distributions/location_scale.h"

namespace ppl::dist {

/// Normal(loc, scale): density exp(-z^2 / 2) / (scale sqrt(2 pi)) with z = (x - loc) / scale,
/// with reparameterized sampling loc + scale eps, eps ~ Normal(0, 1). Parameters broadcast
/// against each other.
class Normal : public LocationScale<Normal> {
 public:
  using LocationScale::LocationScale;
  static constexpr const char* kName = "Normal";

  /// One autograd node with a closed-form backward (kernels/normal_log_prob.h).
  torch::Tensor log_prob(const torch::Tensor& value) const override;

 private:
  friend class LocationScale<Normal>;
  static torch::Tensor standard_sample(const Shape& shape, c10::optional<at::Generator> generator,
                                       const torch::TensorOptions& options);
  static torch::Tensor standard_cdf(const torch::Tensor& z);
  static torch::Tensor standard_icdf(const torch::Tensor& probability);
  static constexpr double kStandardMean = 0;
  static constexpr double kStandardVariance = 1;
  static const double kStandardEntropy;
};

}  // namespace ppl::dist
