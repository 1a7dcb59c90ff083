#include "ppl/distributions/lkj_cholesky.h"

#include "ppl/distributions/finfo.h"

#include <c10/util/MathConstants.h>
#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace ppl::dist {

namespace {

const double kLogPi = std::log(c10::pi<double>);

/// log Γ_p(a), the multivariate log-gamma: p(p-1)/4 log π + Σ_{j<p} log Γ(a - j/2). Written out
/// because at::mvlgamma checks its domain with a host sync.
torch::Tensor multivariate_lgamma(const torch::Tensor& a, int64_t p) {
  const auto halves = torch::arange(p, a.options()) * 0.5;
  return (a.unsqueeze(-1) - halves).lgamma().sum(-1) +
         0.25 * static_cast<double>(p * (p - 1)) * kLogPi;
}

/// Beta(concentration1, concentration0) draws as G1 / (G1 + G0) with Gi ~ Gamma(concentration_i).
torch::Tensor beta_sample(const torch::Tensor& concentration1, const torch::Tensor& concentration0,
                          const c10::optional<at::Generator>& generator) {
  const auto g1 = at::_standard_gamma(concentration1, generator);
  const auto g0 = at::_standard_gamma(concentration0, generator);
  return g1 / (g1 + g0);
}

}  // namespace

LKJCholesky::LKJCholesky(int64_t dim, TensorOrNumber concentration,
                         std::optional<bool> validate_args)
    : DistributionBase(validate_args), dim_(dim) {
  if (dim < 2) {
    throw std::invalid_argument(
        fmt::format("LKJCholesky: dim must be at least 2, found dim={}", dim));
  }
  std::tie(concentration_) = broadcast_all("LKJCholesky: concentration", concentration);
  init(concentration_.sizes(), {dim, dim});
}

torch::Tensor LKJCholesky::sample(const Shape& sample_shape,
                                  c10::optional<at::Generator> generator) const {
  // Onion method: row i (i >= 1) is w_i + sqrt(1 - |w_i|²) e_i, with w_i = sqrt(y_i) u_i, u_i
  // uniform on the unit sphere of the first i coordinates and
  // y_i ~ Beta(i / 2, η + (dim - 1 - i) / 2), as in the paper and NumPyro. (PyTorch draws
  // Beta(i - 1/2, ...), which differs from row 2 on and breaks the exchangeability of the
  // correlations for dim >= 3; the tests check every marginal.)
  torch::NoGradGuard no_grad;
  const auto options = concentration_.options();
  const auto rows = torch::arange(1, dim_, options);
  Shape beta_shape = sample_shape;
  beta_shape.insert(beta_shape.end(), batch_shape_.begin(), batch_shape_.end());
  beta_shape.push_back(dim_ - 1);
  const auto concentration1 = (rows * 0.5).expand(beta_shape).contiguous();
  const auto concentration0 =
      (concentration_.unsqueeze(-1) + (static_cast<double>(dim_ - 1) - rows) * 0.5)
          .expand(beta_shape)
          .contiguous();
  const auto y =
      at::constant_pad_nd(beta_sample(concentration1, concentration0, generator), {1, 0});
  const double tiny = finfo(concentration_.scalar_type()).tiny;
  const auto normal = at::randn(extended_shape(sample_shape), generator, options).tril(-1);
  const auto on_sphere = normal / normal.norm(2, {-1}, /*keepdim=*/true).clamp_min(tiny);
  const auto w = y.sqrt().unsqueeze(-1) * on_sphere;
  const auto diagonal = (1 - w.square().sum(-1)).clamp_min(tiny).sqrt();
  return w + at::diag_embed(diagonal);
}

torch::Tensor LKJCholesky::log_prob(const torch::Tensor& value) const {
  // The density of M = L Lᵀ is ∝ det(M)^(η-1) = Π L_ii^(2(η-1)), and the Jacobian of L -> M is
  // Π L_ii^(dim - i) (1-based i), so the density of L is ∝ Π_{i>=2} L_ii^(2(η-1) + dim - i).
  validate_sample(value);
  const auto options = concentration_.options();
  const auto log_diagonal = value.diagonal(0, -2, -1).narrow(-1, 1, dim_ - 1).log();
  const auto order = 2 * (concentration_.unsqueeze(-1) - 1) +
                     (static_cast<double>(dim_) - torch::arange(2, dim_ + 1, options));
  const auto unnormalized = (order * log_diagonal).sum(-1);
  // Normalizer (Lewandowski, Kurowicka and Joe 2009, p. 1999).
  const auto dm1 = static_cast<double>(dim_ - 1);
  const auto alpha = concentration_ + 0.5 * dm1;
  const auto log_normalizer =
      0.5 * dm1 * kLogPi + multivariate_lgamma(alpha - 0.5, dim_ - 1) - dm1 * alpha.lgamma();
  return unnormalized - log_normalizer;
}

}  // namespace ppl::dist
