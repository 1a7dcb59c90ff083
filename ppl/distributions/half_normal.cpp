#include "ppl/distributions/half_normal.h"

#include <cmath>

namespace ppl::dist {

// cdf and icdf in closed form: 2 F(value) - 1 through Normal's cdf would lose the digits of small
// values.
torch::Tensor HalfNormal::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return (value / scale() * (1 / std::sqrt(2.0))).erf();
}

torch::Tensor HalfNormal::icdf(const torch::Tensor& value) const {
  return scale() * value.erfinv() * std::sqrt(2.0);
}

torch::Tensor HalfNormal::mean() const {
  return scale() * std::sqrt(2 / kPi);
}

torch::Tensor HalfNormal::variance() const {
  return scale().square() * (1 - 2 / kPi);
}

}  // namespace ppl::dist
