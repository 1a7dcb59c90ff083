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

  /// Normal(loc, exp(log_scale)), for a network head that outputs a log-scale (pass
  /// 0.5 * log_var for a log-variance). log_prob, entropy and the Normal-Normal KL read the
  /// log-scale itself: log_prob is -z^2 / 2 - log_scale - log(2 pi) / 2 with
  /// z = (x - loc) exp(-log_scale), and its gradient in log_scale is z^2 - 1: finite wherever
  /// z^2 is, while through the scale it is ((z^2 - 1) / scale) * scale, whose first factor
  /// overflows first. Validation checks that loc and log_scale are not NaN (a scale that
  /// underflows to 0 is no error).
  static Normal from_log_scale(TensorOrNumber loc, TensorOrNumber log_scale,
                               std::optional<bool> validate_args = std::nullopt);

  /// log(scale): the tensor given to from_log_scale, else computed from scale.
  torch::Tensor log_scale() const { return log_scale_.defined() ? log_scale_ : scale_.log(); }
  /// Whether this Normal was made by from_log_scale.
  bool has_log_scale() const { return log_scale_.defined(); }

  /// One autograd node with a closed-form backward (kernels/normal_log_prob.h).
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor entropy() const override;

 protected:
  std::vector<Arg> args() const override;

 private:
  friend class LocationScale<Normal>;
  static torch::Tensor standard_sample(const Shape& shape, c10::optional<at::Generator> generator,
                                       const torch::TensorOptions& options);
  static torch::Tensor standard_cdf(const torch::Tensor& z);
  static torch::Tensor standard_icdf(const torch::Tensor& probability);
  static constexpr double kStandardMean = 0;
  static constexpr double kStandardVariance = 1;
  static const double kStandardEntropy;

  torch::Tensor log_scale_;  // defined only for from_log_scale
};

}  // namespace ppl::dist
