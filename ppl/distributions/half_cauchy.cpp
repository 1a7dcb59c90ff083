#include "ppl/distributions/half_cauchy.h"

#include <c10/util/MathConstants.h>

#include <cmath>
#include <limits>

namespace ppl::dist {

namespace {

const double kLog2OverPi = std::log(2 / c10::pi<double>);
constexpr double kInfinity = std::numeric_limits<double>::infinity();

}  // namespace

HalfCauchy::HalfCauchy(TensorOrNumber scale, std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(scale_) = broadcast_all("HalfCauchy", scale);
  init(scale_.sizes());
}

torch::Tensor HalfCauchy::rsample(const Shape& sample_shape,
                                  c10::optional<at::Generator> generator) const {
  const auto cauchy =
      at::empty(extended_shape(sample_shape), scale_.options()).cauchy_(0, 1, generator);
  return scale_ * cauchy.abs();
}

torch::Tensor HalfCauchy::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto log_prob = kLog2OverPi - scale_.log() - (value / scale_).square().log1p();
  return log_prob.masked_fill(value < 0, -kInfinity);
}

torch::Tensor HalfCauchy::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return (value / scale_).atan() * (2 / c10::pi<double>);
}

torch::Tensor HalfCauchy::icdf(const torch::Tensor& value) const {
  return scale_ * (value * (c10::pi<double> / 2)).tan();
}

torch::Tensor HalfCauchy::mean() const {
  return torch::full_like(scale_, kInfinity);
}

torch::Tensor HalfCauchy::variance() const {
  return torch::full_like(scale_, kInfinity);
}

torch::Tensor HalfCauchy::entropy() const {
  return scale_.log() + std::log(2 * c10::pi<double>);
}

}  // namespace ppl::dist
