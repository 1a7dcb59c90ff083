#include "ppl/distributions/uniform.h"

namespace ppl::dist {

Uniform::Uniform(TensorOrNumber low, TensorOrNumber high, std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(low_, high_) = broadcast_all("Uniform: low and high", low, high);
  init(low_.sizes());
}

torch::Tensor Uniform::rsample(const Shape& sample_shape,
                               c10::optional<at::Generator> generator) const {
  const auto u = at::rand(extended_shape(sample_shape), std::move(generator), low_.options());
  return low_ + u * (high_ - low_);
}

torch::Tensor Uniform::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto inside = ((low_ <= value) & (high_ > value)).to(low_.scalar_type());
  return inside.log() - (high_ - low_).log();
}

torch::Tensor Uniform::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return ((value - low_) / (high_ - low_)).clamp(0, 1);
}

torch::Tensor Uniform::icdf(const torch::Tensor& value) const {
  return low_ + value * (high_ - low_);
}

constraints::ConstraintPtr Uniform::support() const {
  return constraints::interval(low_, high_);
}

}  // namespace ppl::dist
