#include "ppl/distributions/half_normal.h"

#include "ppl/distributions/math.h"

#include <cmath>
#include <limits>

namespace ppl::dist {

namespace {

const double kLog2 = std::log(2.0);

}  // namespace

HalfNormal::HalfNormal(TensorOrNumber scale, std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(scale_) = broadcast_all("HalfNormal", scale);
  init(scale_.sizes());
}

torch::Tensor HalfNormal::rsample(const Shape& sample_shape,
                                  c10::optional<at::Generator> generator) const {
  return scale_ *
         at::randn(extended_shape(sample_shape), std::move(generator), scale_.options()).abs();
}

torch::Tensor HalfNormal::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto log_prob = kLog2 - 0.5 * (value / scale_).square() - scale_.log() - kHalfLog2Pi;
  return log_prob.masked_fill(value < 0, -std::numeric_limits<double>::infinity());
}

torch::Tensor HalfNormal::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return (value / scale_ * (1 / std::sqrt(2.0))).erf();
}

torch::Tensor HalfNormal::icdf(const torch::Tensor& value) const {
  return scale_ * value.erfinv() * std::sqrt(2.0);
}

torch::Tensor HalfNormal::mean() const {
  return scale_ * std::sqrt(2 / kPi);
}

torch::Tensor HalfNormal::variance() const {
  return scale_.square() * (1 - 2 / kPi);
}

torch::Tensor HalfNormal::entropy() const {
  return scale_.log() + (0.5 + kHalfLog2Pi - kLog2);
}

}  // namespace ppl::dist
