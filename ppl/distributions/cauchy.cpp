#include "ppl/distributions/cauchy.h"

#include "ppl/distributions/math.h"

#include <cmath>
#include <limits>

namespace ppl::dist {

Cauchy::Cauchy(TensorOrNumber loc, TensorOrNumber scale, std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(loc_, scale_) = broadcast_all("Cauchy: loc and scale", loc, scale);
  init(loc_.sizes());
}

torch::Tensor Cauchy::rsample(const Shape& sample_shape,
                              c10::optional<at::Generator> generator) const {
  auto standard = at::empty(extended_shape(sample_shape), loc_.options());
  standard.cauchy_(0, 1, std::move(generator));
  return at::addcmul(loc_, standard, scale_);
}

torch::Tensor Cauchy::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  return -torch::log1p(((value - loc_) / scale_).square()) - scale_.log() - std::log(kPi);
}

torch::Tensor Cauchy::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return torch::atan((value - loc_) / scale_) / kPi + 0.5;
}

torch::Tensor Cauchy::icdf(const torch::Tensor& value) const {
  return torch::tan(kPi * (value - 0.5)) * scale_ + loc_;
}

torch::Tensor Cauchy::mean() const {
  return torch::full(loc_.sizes(), std::numeric_limits<double>::quiet_NaN(), loc_.options());
}

torch::Tensor Cauchy::variance() const {
  return torch::full(loc_.sizes(), std::numeric_limits<double>::infinity(), loc_.options());
}

torch::Tensor Cauchy::entropy() const {
  return std::log(4 * kPi) + scale_.log();
}

}  // namespace ppl::dist
