#include "ppl/distributions/gamma.h"

#include "ppl/distributions/finfo.h"

namespace ppl::dist {

namespace detail {

torch::Tensor standard_gamma(const torch::Tensor& concentration, const Shape& shape,
                             c10::optional<at::Generator> generator) {
  const bool same = concentration.sizes().equals(shape);
  return at::_standard_gamma(same ? concentration : concentration.expand(shape),
                             std::move(generator));
}

void clamp_to_tiny_(const torch::Tensor& value) {
  value.detach().clamp_min_(finfo(value.scalar_type()).tiny);
}

}  // namespace detail

Gamma::Gamma(TensorOrNumber concentration, TensorOrNumber rate, std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(concentration_, rate_) =
      broadcast_all("Gamma: concentration and rate", concentration, rate);
  init(concentration_.sizes());
}

torch::Tensor Gamma::rsample(const Shape& sample_shape,
                             c10::optional<at::Generator> generator) const {
  auto value =
      detail::standard_gamma(concentration_, extended_shape(sample_shape), std::move(generator)) /
      rate_;
  detail::clamp_to_tiny_(value);
  return value;
}

torch::Tensor Gamma::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  return at::xlogy(concentration_ - 1, value)
      .sub_(rate_ * value)
      .add_(at::xlogy(concentration_, rate_).sub_(concentration_.lgamma()));
}

torch::Tensor Gamma::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return torch::igamma(concentration_, rate_ * value);
}

torch::Tensor Gamma::entropy() const {
  return concentration_ - rate_.log() + concentration_.lgamma() +
         (1 - concentration_) * concentration_.digamma();
}

}  // namespace ppl::dist
