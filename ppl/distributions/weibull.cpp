#include "ppl/distributions/weibull.h"

#include "ppl/distributions/math.h"

namespace ppl::dist {

Weibull::Weibull(TensorOrNumber scale, TensorOrNumber concentration,
                 std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(scale_, concentration_) =
      broadcast_all("Weibull: scale and concentration", scale, concentration);
  init(scale_.sizes());
}

torch::Tensor Weibull::rsample(const Shape& sample_shape,
                               c10::optional<at::Generator> generator) const {
  const auto exponential =
      at::empty(extended_shape(sample_shape), scale_.options()).exponential_(1, generator);
  return scale_ * exponential.pow(concentration_.reciprocal());
}

torch::Tensor Weibull::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto log_ratio = (value / scale_).log();
  return (concentration_ / scale_).log() + (concentration_ - 1) * log_ratio -
         (concentration_ * log_ratio).exp();
}

torch::Tensor Weibull::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return -(-(value / scale_).pow(concentration_)).expm1();
}

torch::Tensor Weibull::icdf(const torch::Tensor& value) const {
  return scale_ * (-(-value).log1p()).pow(concentration_.reciprocal());
}

torch::Tensor Weibull::mean() const {
  return scale_ * (1 + concentration_.reciprocal()).lgamma().exp();
}

torch::Tensor Weibull::variance() const {
  const auto inverse = concentration_.reciprocal();
  return scale_.square() * ((1 + 2 * inverse).lgamma().exp() - (2 * (1 + inverse).lgamma()).exp());
}

torch::Tensor Weibull::entropy() const {
  return kEulerGamma * (1 - concentration_.reciprocal()) + (scale_ / concentration_).log() + 1;
}

}  // namespace ppl::dist
