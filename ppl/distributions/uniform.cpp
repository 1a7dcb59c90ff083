#include "ppl/distributions/uniform.h"

namespace ppl::dist {

Uniform::Uniform(torch::Tensor low, torch::Tensor high, std::optional<bool> validate_args)
    : DistributionBase(broadcast_shapes(low.sizes(), high.sizes(), "Uniform: low and high"), {},
                       validate_args),
      low_(low.sizes() == batch_shape_ ? std::move(low) : low.expand(batch_shape_)),
      high_(high.sizes() == batch_shape_ ? std::move(high) : high.expand(batch_shape_)) {
  if (validating()) check_argument("low", low_, low_ < high_, "less than 'high'");
}

torch::Tensor Uniform::rsample(const Shape& sample_shape,
                               c10::optional<at::Generator> generator) const {
  const auto u = at::rand(extended_shape(sample_shape), std::move(generator), low_.options());
  return low_ + u * (high_ - low_);
}

torch::Tensor Uniform::log_prob(const torch::Tensor& value) const {
  if (validating()) {
    check_support(value, (low_ <= value) & (value <= high_), "interval [low, high]");
  }
  const auto inside = ((low_ <= value) & (high_ > value)).to(low_.scalar_type());
  return inside.log() - (high_ - low_).log();
}

DistributionPtr Uniform::expand(const Shape& batch_shape) const {
  check_expand(batch_shape);
  auto expanded = std::make_shared<Uniform>(*this);
  expanded->low_ = low_.expand(batch_shape);
  expanded->high_ = high_.expand(batch_shape);
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

}  // namespace ppl::dist
