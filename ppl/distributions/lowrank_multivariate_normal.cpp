#include "ppl/distributions/lowrank_multivariate_normal.h"

#include "ppl/distributions/math.h"
#include "ppl/distributions/multivariate_normal.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace ppl::dist {

namespace {

/// `matrix` with 1 added to its diagonal (I + matrix).
torch::Tensor add_identity(torch::Tensor matrix) {
  matrix.diagonal(0, -2, -1).add_(1);
  return matrix;
}

}  // namespace

LowRankMultivariateNormal::LowRankMultivariateNormal(torch::Tensor loc, torch::Tensor cov_factor,
                                                     torch::Tensor cov_diag,
                                                     std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  if (!loc.defined() || !cov_factor.defined() || !cov_diag.defined()) {
    throw std::invalid_argument(
        "LowRankMultivariateNormal: loc, cov_factor and cov_diag must be defined tensors");
  }
  if (loc.dim() < 1) {
    throw std::invalid_argument(
        "LowRankMultivariateNormal: loc must be at least one-dimensional, found shape ()");
  }
  const int64_t n = loc.size(-1);
  if (cov_factor.dim() < 2 || cov_factor.size(-2) != n) {
    throw std::invalid_argument(fmt::format(
        "LowRankMultivariateNormal: cov_factor must have shape (..., {}, rank) to match loc of "
        "shape {}, found {}",
        n, shape_str(loc.sizes()), shape_str(cov_factor.sizes())));
  }
  if (cov_diag.dim() < 1 || cov_diag.size(-1) != n) {
    throw std::invalid_argument(fmt::format(
        "LowRankMultivariateNormal: cov_diag must have shape (..., {}) to match loc of shape {}, "
        "found {}",
        n, shape_str(loc.sizes()), shape_str(cov_diag.sizes())));
  }
  const int64_t rank = cov_factor.size(-1);
  const auto loc_batch = drop_rightmost(loc.sizes(), 1);
  const auto factor_batch = drop_rightmost(cov_factor.sizes(), 2);
  const auto diag_batch = drop_rightmost(cov_diag.sizes(), 1);
  const Shape batch = broadcast_shapes(
      broadcast_shapes(loc_batch, factor_batch,
                       "LowRankMultivariateNormal: batch dims of loc and cov_factor"),
      diag_batch, "LowRankMultivariateNormal: batch dims of loc, cov_factor and cov_diag");
  Shape vector_shape = batch, factor_shape = batch;
  vector_shape.push_back(n);
  factor_shape.insert(factor_shape.end(), {n, rank});
  loc_ = loc.expand(vector_shape);
  cov_factor_ = cov_factor.expand(factor_shape);
  cov_diag_ = cov_diag.expand(vector_shape);
  unbroadcasted_cov_factor_ = std::move(cov_factor);
  unbroadcasted_cov_diag_ = std::move(cov_diag);
  init(batch, {n});
  const auto& W = unbroadcasted_cov_factor_;
  const auto factor_over_diag = W.mT() / unbroadcasted_cov_diag_.unsqueeze(-2);  // Wᵀ D⁻¹
  capacitance_tril_ =
      std::get<0>(at::linalg_cholesky_ex(add_identity(at::matmul(factor_over_diag, W))));
}

std::vector<Arg> LowRankMultivariateNormal::args() const {
  // Made at first use: the constraints they build on are globals of another file.
  static const auto real_matrix = constraints::independent(constraints::real, 2);
  static const auto positive_vector = constraints::independent(constraints::positive, 1);
  return {{"loc", &loc_, constraints::real_vector, 1},
          {"cov_factor", &cov_factor_, real_matrix, 2},
          {"cov_diag", &cov_diag_, positive_vector, 1}};
}

Shape LowRankMultivariateNormal::matrix_shape() const {
  Shape shape = batch_shape_;
  shape.insert(shape.end(), {event_shape_[0], event_shape_[0]});
  return shape;
}

torch::Tensor LowRankMultivariateNormal::covariance_matrix() const {
  const auto& W = unbroadcasted_cov_factor_;
  return (at::matmul(W, W.mT()) + at::diag_embed(unbroadcasted_cov_diag_)).expand(matrix_shape());
}

torch::Tensor LowRankMultivariateNormal::precision_matrix() const {
  const auto factor_over_diag =
      unbroadcasted_cov_factor_.mT() / unbroadcasted_cov_diag_.unsqueeze(-2);
  const auto A = at::linalg_solve_triangular(capacitance_tril_, factor_over_diag, /*upper=*/false);
  return (at::diag_embed(unbroadcasted_cov_diag_.reciprocal()) - at::matmul(A.mT(), A))
      .expand(matrix_shape());
}

torch::Tensor LowRankMultivariateNormal::scale_tril() const {
  const auto diag_sqrt = unbroadcasted_cov_diag_.sqrt().unsqueeze(-1);
  const auto scaled_factor = unbroadcasted_cov_factor_ / diag_sqrt;  // D^-½ W
  const auto inner = add_identity(at::matmul(scaled_factor, scaled_factor.mT()));
  return (diag_sqrt * at::linalg_cholesky(inner)).expand(matrix_shape());
}

torch::Tensor LowRankMultivariateNormal::variance() const {
  return (unbroadcasted_cov_factor_.square().sum(-1) + unbroadcasted_cov_diag_)
      .expand(extended_shape());
}

torch::Tensor LowRankMultivariateNormal::rsample(const Shape& sample_shape,
                                                 c10::optional<at::Generator> generator) const {
  const Shape shape = extended_shape(sample_shape);
  Shape factor_noise_shape = shape;
  factor_noise_shape.back() = unbroadcasted_cov_factor_.size(-1);
  const auto eps_factor = at::randn(factor_noise_shape, generator, loc_.options());
  const auto eps_diag = at::randn(shape, generator, loc_.options());
  return loc_ + batch_matrix_vector(unbroadcasted_cov_factor_, eps_factor) +
         unbroadcasted_cov_diag_.sqrt() * eps_diag;
}

torch::Tensor LowRankMultivariateNormal::log_det() const {
  return 2 * capacitance_tril_.diagonal(0, -2, -1).log().sum(-1) +
         unbroadcasted_cov_diag_.log().sum(-1);
}

torch::Tensor LowRankMultivariateNormal::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto diff = value - loc_;
  const auto& D = unbroadcasted_cov_diag_;
  // xᵀ Σ⁻¹ x = xᵀ D⁻¹ x - |C_L⁻¹ Wᵀ D⁻¹ x|² (Woodbury).
  const auto factor_over_diag = unbroadcasted_cov_factor_.mT() / D.unsqueeze(-2);
  const auto mahalanobis =
      (diff.square() / D).sum(-1) -
      batch_mahalanobis(capacitance_tril_, batch_matrix_vector(factor_over_diag, diff));
  return -0.5 * (static_cast<double>(event_shape_[0]) * kLog2Pi + log_det() + mahalanobis);
}

torch::Tensor LowRankMultivariateNormal::entropy() const {
  const double n = static_cast<double>(event_shape_[0]);
  return (0.5 * (n * (1 + kLog2Pi) + log_det())).expand(batch_shape_);
}

}  // namespace ppl::dist
