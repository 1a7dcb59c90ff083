#include "ppl/distributions/pareto.h"

namespace ppl::dist {

Pareto::Pareto(TensorOrNumber scale, TensorOrNumber alpha, std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(scale_, alpha_) = broadcast_all("Pareto: scale and alpha", scale, alpha);
  init(scale_.sizes());
}

torch::Tensor Pareto::rsample(const Shape& sample_shape,
                              c10::optional<at::Generator> generator) const {
  const auto exponential =
      at::empty(extended_shape(sample_shape), scale_.options()).exponential_(1, generator);
  return scale_ * (exponential / alpha_).exp();
}

torch::Tensor Pareto::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  return alpha_.log() + alpha_ * scale_.log() - (alpha_ + 1) * value.log();
}

torch::Tensor Pareto::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return 1 - (scale_ / value).pow(alpha_);
}

torch::Tensor Pareto::icdf(const torch::Tensor& value) const {
  return scale_ * (-(-value).log1p() / alpha_).exp();
}

torch::Tensor Pareto::mean() const {
  const auto alpha = alpha_.clamp_min(1);  // alpha / 0 = +inf at alpha <= 1
  return alpha * scale_ / (alpha - 1);
}

torch::Tensor Pareto::variance() const {
  const auto alpha = alpha_.clamp_min(2);  // +inf at alpha <= 2
  return scale_.square() * alpha / ((alpha - 1).square() * (alpha - 2));
}

torch::Tensor Pareto::entropy() const {
  return (scale_ / alpha_).log() + (1 + alpha_.reciprocal());
}

constraints::ConstraintPtr Pareto::support() const {
  return constraints::greater_than_eq(scale_);
}

}  // namespace ppl::dist
