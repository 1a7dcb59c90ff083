#include "ppl/distributions/half_cauchy.h"

#include <limits>

namespace ppl::dist {

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
