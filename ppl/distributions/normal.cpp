#include "ppl/distributions/normal.h"

#include <c10/util/MathConstants.h>

#include <cmath>

namespace ppl::dist {

namespace {
const double kHalfLog2Pi = 0.5 * std::log(2 * c10::pi<double>);
}

Normal::Normal(torch::Tensor loc, torch::Tensor scale, std::optional<bool> validate_args)
    : DistributionBase(broadcast_shapes(loc.sizes(), scale.sizes(), "Normal: loc and scale"), {},
                       validate_args),
      loc_(loc.sizes() == batch_shape_ ? std::move(loc) : loc.expand(batch_shape_)),
      scale_(scale.sizes() == batch_shape_ ? std::move(scale) : scale.expand(batch_shape_)) {
  if (!validating()) return;
  check_argument("loc", loc_, loc_ == loc_, "real");
  check_argument("scale", scale_, scale_ > 0, "positive");
}

Normal::Normal(torch::Tensor loc, double scale, std::optional<bool> validate_args)
    : Normal(loc, torch::scalar_tensor(scale, loc.options()), validate_args) {}

torch::Tensor Normal::rsample(const Shape& sample_shape,
                              c10::optional<at::Generator> generator) const {
  const auto eps = at::randn(extended_shape(sample_shape), std::move(generator), loc_.options());
  return loc_ + eps * scale_;
}

torch::Tensor Normal::log_prob(const torch::Tensor& value) const {
  if (validating()) check_support(value, value == value, "real");
  const auto z = (value - loc_) / scale_;
  return -0.5 * z.square() - scale_.log() - kHalfLog2Pi;
}

torch::Tensor Normal::entropy() const {
  return 0.5 + kHalfLog2Pi + scale_.log();
}

DistributionPtr Normal::expand(const Shape& batch_shape) const {
  check_expand(batch_shape);
  auto expanded = std::make_shared<Normal>(*this);
  expanded->loc_ = loc_.expand(batch_shape);
  expanded->scale_ = scale_.expand(batch_shape);
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

}  // namespace ppl::dist
