#include "ppl/distributions/laplace.h"

#include "ppl/distributions/finfo.h"

namespace ppl::dist {

Laplace::Laplace(TensorOrNumber loc, TensorOrNumber scale, std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(loc_, scale_) = broadcast_all("Laplace: loc and scale", loc, scale);
  init(loc_.sizes());
}

torch::Tensor Laplace::rsample(const Shape& sample_shape,
                               c10::optional<at::Generator> generator) const {
  // u uniform on (-1, 1), kept off -1 so that log1p(-|u|) stays finite.
  auto u = at::empty(extended_shape(sample_shape), loc_.options());
  u.uniform_(finfo(u.scalar_type()).eps - 1, 1, std::move(generator));
  return loc_ - scale_ * u.sign() * torch::log1p(-u.abs());
}

torch::Tensor Laplace::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  return -(value - loc_).abs() / scale_ - (2 * scale_).log();
}

torch::Tensor Laplace::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  const auto z = value - loc_;
  return 0.5 - 0.5 * z.sign() * torch::expm1(-z.abs() / scale_);
}

torch::Tensor Laplace::icdf(const torch::Tensor& value) const {
  const auto term = value - 0.5;
  return loc_ - scale_ * term.sign() * torch::log1p(-2 * term.abs());
}

}  // namespace ppl::dist
