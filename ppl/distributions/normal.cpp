#include "ppl/distributions/normal.h"

#include "ppl/distributions/kernels/normal_log_prob.h"
#include "ppl/distributions/math.h"

#include <cmath>

namespace ppl::dist {

const double Normal::kStandardEntropy = 0.5 + kHalfLog2Pi;

Normal Normal::from_log_scale(TensorOrNumber loc, TensorOrNumber log_scale,
                              std::optional<bool> validate_args) {
  Normal normal(validate_args);
  std::tie(normal.loc_, normal.log_scale_) =
      broadcast_all("Normal: loc and log_scale", loc, log_scale);
  normal.scale_ = normal.log_scale_.exp();
  normal.init(normal.loc_.sizes());
  return normal;
}

torch::Tensor Normal::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  if (log_scale_.defined()) return kernels::normal_log_prob_from_log_scale(value, loc_, log_scale_);
  return kernels::normal_log_prob(value, loc_, scale_);
}

torch::Tensor Normal::entropy() const {
  return kStandardEntropy + log_scale();
}

std::vector<Arg> Normal::args() const {
  if (!log_scale_.defined()) return LocationScale::args();
  // scale is exp(log_scale): expanded with it, and not checked (it may underflow to 0).
  return {{"loc", &loc_, constraints::real},
          {"log_scale", &log_scale_, constraints::real},
          {"scale", &scale_, constraints::dependent}};
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
