#include "ppl/distributions/normal.h"

#include "ppl/distributions/kernels/normal_log_prob.h"
#include "ppl/distributions/math.h"

#include <cmath>

namespace ppl::dist {

const double Normal::kStandardEntropy = 0.5 + kHalfLog2Pi;

torch::Tensor Normal::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  return kernels::normal_log_prob(value, loc_, scale_);
}

torch::Tensor Normal::standard_sample(const Shape& shape, c10::optional<at::Generator> generator,
                                      const torch::TensorOptions& options) {
  return at::randn(shape, std::move(generator), options);
}

torch::Tensor Normal::standard_cdf(const torch::Tensor& z) {
  return 0.5 * (1 + torch::erf(z * (1 / std::sqrt(2.0))));
}

torch::Tensor Normal::standard_icdf(const torch::Tensor& probability) {
  return torch::erfinv(2 * probability - 1) * std::sqrt(2.0);
}

}  // namespace ppl::dist
