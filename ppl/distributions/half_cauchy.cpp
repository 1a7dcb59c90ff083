#include "ppl/distributions/half_cauchy.h"

#include <cmath>
#include <limits>

namespace ppl::dist {

torch::Tensor HalfCauchy::log_prob(const torch::Tensor& value) const {
  static const double log_2_over_pi = std::log(2 / kPi);
  validate_sample(value);
  return (log_2_over_pi - scale().log() - (value / scale()).square().log1p())
      .masked_fill(value < 0, -std::numeric_limits<double>::infinity());
}

// cdf and icdf in closed form, as HalfNormal's.
torch::Tensor HalfCauchy::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return (value / scale()).atan() * (2 / kPi);
}

torch::Tensor HalfCauchy::icdf(const torch::Tensor& value) const {
  return scale() * (value * (kPi / 2)).tan();
}

torch::Tensor HalfCauchy::mean() const {
  return torch::full_like(scale(), std::numeric_limits<double>::infinity());
}

torch::Tensor HalfCauchy::variance() const {
  return mean();
}

}  // namespace ppl::dist
