#include "ppl/distributions/cauchy.h"

#include "ppl/distributions/math.h"

#include <cmath>

namespace ppl::dist {

const double Cauchy::kStandardEntropy = std::log(4 * kPi);

torch::Tensor Cauchy::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  return -torch::log1p(standardize(value).square()) - scale_.log() - std::log(kPi);
}

torch::Tensor Cauchy::standard_sample(const Shape& shape, c10::optional<at::Generator> generator,
                                      const torch::TensorOptions& options) {
  return at::empty(shape, options).cauchy_(0, 1, std::move(generator));
}

torch::Tensor Cauchy::standard_cdf(const torch::Tensor& z) {
  return torch::atan(z) / kPi + 0.5;
}

torch::Tensor Cauchy::standard_icdf(const torch::Tensor& probability) {
  return torch::tan(kPi * (probability - 0.5));
}

}  // namespace ppl::dist
