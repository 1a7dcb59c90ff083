#include "ppl/distributions/laplace.h"

#include "ppl/distributions/finfo.h"
#include "ppl/distributions/math.h"

namespace ppl::dist {

const double Laplace::kStandardEntropy = 1 + kLog2;

torch::Tensor Laplace::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  return -standardize(value).abs() - (2 * scale_).log();
}

torch::Tensor Laplace::standard_sample(const Shape& shape, c10::optional<at::Generator> generator,
                                       const torch::TensorOptions& options) {
  // u uniform on (-1, 1), kept off -1 so that log1p(-|u|) stays finite.
  auto u = at::empty(shape, options);
  u.uniform_(finfo(u.scalar_type()).eps - 1, 1, std::move(generator));
  return -u.sign() * torch::log1p(-u.abs());
}

torch::Tensor Laplace::standard_cdf(const torch::Tensor& z) {
  return 0.5 - 0.5 * z.sign() * torch::expm1(-z.abs());
}

torch::Tensor Laplace::standard_icdf(const torch::Tensor& probability) {
  const auto term = probability - 0.5;
  return -term.sign() * torch::log1p(-2 * term.abs());
}

}  // namespace ppl::dist
