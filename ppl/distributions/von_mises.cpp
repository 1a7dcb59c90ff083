#include "ppl/distributions/von_mises.h"

#include "ppl/distributions/math.h"

#include <cmath>

namespace ppl::dist {

namespace {

/// I1(k) / I0(k), from the exponentially scaled Bessel functions (finite for every k).
torch::Tensor bessel_ratio(const torch::Tensor& k) {
  return torch::special_i1e(k) / torch::special_i0e(k);
}

}  // namespace

VonMises::VonMises(TensorOrNumber loc, TensorOrNumber concentration,
                   std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(loc_, concentration_) =
      broadcast_all("VonMises: loc and concentration", loc, concentration);
  init(loc_.sizes());
}

torch::Tensor VonMises::sample(const Shape& sample_shape,
                               c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  const auto shape = extended_shape(sample_shape);
  const auto options = loc_.options().dtype(torch::kDouble);
  const auto loc = loc_.to(torch::kDouble);
  const auto k = concentration_.to(torch::kDouble);
  // The wrapped-Cauchy envelope's parameter r; its Taylor expansion 1/k + k for tiny k.
  const auto tau = 1 + (1 + 4 * k.square()).sqrt();
  const auto rho = (tau - (2 * tau).sqrt()) / (2 * k);
  const auto r = torch::where(k < 1e-5, k.reciprocal() + k, (1 + rho.square()) / (2 * rho));

  Shape uniform_shape{3};
  uniform_shape.insert(uniform_shape.end(), shape.begin(), shape.end());
  auto x = torch::zeros(shape, options);
  auto done = torch::zeros(shape, options.dtype(torch::kBool));
  while (!done.all().item<bool>()) {
    const auto u = at::rand(uniform_shape, generator, options);
    const auto z = torch::cos(kPi * u[0]);
    const auto f = (1 + r * z) / (r + z);
    const auto c = k * (r - f);
    const auto accept = (c * (2 - c) - u[1] > 0) | ((c / u[1]).log() + 1 - c >= 0);
    x = torch::where(accept, (u[2] - 0.5).sign() * f.acos(), x);
    done |= accept;
  }
  return (torch::remainder(x + kPi + loc, 2 * kPi) - kPi).to(loc_.scalar_type());
}

torch::Tensor VonMises::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  // log I0(k) = log(i0e(k)) + k.
  return concentration_ * (torch::cos(value - loc_) - 1) - kLog2Pi -
         torch::special_i0e(concentration_).log();
}

torch::Tensor VonMises::variance() const {
  return 1 - bessel_ratio(concentration_);
}

torch::Tensor VonMises::entropy() const {
  return kLog2Pi + torch::special_i0e(concentration_).log() +
         concentration_ * (1 - bessel_ratio(concentration_));
}

}  // namespace ppl::dist
