#include "ppl/distributions/gumbel.h"

#include "ppl/distributions/finfo.h"
#include "ppl/distributions/math.h"

namespace ppl::dist {

Gumbel::Gumbel(TensorOrNumber loc, TensorOrNumber scale, std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(loc_, scale_) = broadcast_all("Gumbel: loc and scale", loc, scale);
  init(loc_.sizes());
}

torch::Tensor Gumbel::rsample(const Shape& sample_shape,
                              c10::optional<at::Generator> generator) const {
  // Uniform on (tiny, 1 - eps), as PyTorch's, so that both logs stay finite.
  const auto info = finfo(loc_.scalar_type());
  const auto u = at::rand(extended_shape(sample_shape), std::move(generator), loc_.options());
  const auto uniform = info.tiny + u * (1 - info.eps - info.tiny);
  return loc_ - scale_ * (-uniform.log()).log();
}

torch::Tensor Gumbel::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto z = (loc_ - value) / scale_;
  return (z - z.exp()) - scale_.log();
}

torch::Tensor Gumbel::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  return (-((loc_ - value) / scale_).exp()).exp();
}

torch::Tensor Gumbel::icdf(const torch::Tensor& value) const {
  return loc_ - scale_ * (-value.log()).log();
}

torch::Tensor Gumbel::mean() const {
  return loc_ + scale_ * kEulerGamma;
}

torch::Tensor Gumbel::variance() const {
  return scale_.square() * (kPi * kPi / 6);
}

torch::Tensor Gumbel::entropy() const {
  return scale_.log() + (1 + kEulerGamma);
}

}  // namespace ppl::dist
