#include "ppl/distributions/poisson.h"

namespace ppl::dist {

Poisson::Poisson(TensorOrNumber rate, std::optional<bool> validate_args)
    : DistributionBase(validate_args), rate_(rate.to_tensor(options_of({rate}))) {
  init(rate_.sizes());
}

torch::Tensor Poisson::sample(const Shape& sample_shape,
                              c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  return at::poisson(rate_.expand(extended_shape(sample_shape)), std::move(generator));
}

torch::Tensor Poisson::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto k = value.to(rate_.scalar_type());
  return at::xlogy(k, rate_) - rate_ - (k + 1).lgamma();
}

}  // namespace ppl::dist
