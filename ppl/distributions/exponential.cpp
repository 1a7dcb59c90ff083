#include "ppl/distributions/exponential.h"

namespace ppl::dist {

Exponential::Exponential(TensorOrNumber rate, std::optional<bool> validate_args)
    : DistributionBase(validate_args), rate_(rate.to_tensor(options_of({rate}))) {
  init(rate_.sizes());
}

torch::Tensor Exponential::rsample(const Shape& sample_shape,
                                   c10::optional<at::Generator> generator) const {
  auto standard = at::empty(extended_shape(sample_shape), rate_.options());
  standard.exponential_(1, std::move(generator));
  return standard / rate_;
}

torch::Tensor Exponential::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  return rate_.log() - rate_ * value;
}

torch::Tensor Exponential::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return 1 - torch::exp(-rate_ * value);
}

torch::Tensor Exponential::icdf(const torch::Tensor& value) const {
  return -torch::log1p(-value) / rate_;
}

}  // namespace ppl::dist
