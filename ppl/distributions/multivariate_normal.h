#pragma once
// Multivariate normal distribution, parameterized by a covariance matrix, a precision matrix or
// the lower Cholesky factor of the covariance.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// MultivariateNormal(loc, Σ) over vectors of size n = loc.size(-1). Built from one of
/// covariance_matrix Σ, precision_matrix Σ⁻¹ or scale_tril L (Σ = L Lᵀ); every computation runs on
/// L, factored once at construction (passing scale_tril is cheapest). loc (batch..., n) and the
/// matrix (batch..., n, n) broadcast in their batch dims.
///
///   auto mvn = dist::MultivariateNormal::from_scale_tril(torch::zeros({2}), torch::eye(2));
class MultivariateNormal : public DistributionBase<MultivariateNormal> {
 public:
  /// The same as `from_covariance_matrix` (PyTorch's positional parameterization).
  MultivariateNormal(torch::Tensor loc, torch::Tensor covariance_matrix,
                     std::optional<bool> validate_args = std::nullopt);
  /// std::invalid_argument when the shapes do not fit, and (when validating) when loc is NaN or
  /// the covariance is not positive definite. Without validation a matrix that is not positive
  /// definite gives NaN, not an error (the check would cost a host sync).
  static MultivariateNormal from_covariance_matrix(
      torch::Tensor loc, torch::Tensor covariance_matrix,
      std::optional<bool> validate_args = std::nullopt);
  /// As `from_covariance_matrix`, for the precision (inverse covariance) matrix.
  static MultivariateNormal from_precision_matrix(torch::Tensor loc, torch::Tensor precision_matrix,
                                                  std::optional<bool> validate_args = std::nullopt);
  /// As `from_covariance_matrix`, for a lower-triangular L with positive diagonal (Σ = L Lᵀ).
  static MultivariateNormal from_scale_tril(torch::Tensor loc, torch::Tensor scale_tril,
                                            std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "MultivariateNormal"; }
  /// batch_shape + (n,).
  const torch::Tensor& loc() const { return loc_; }
  /// L, batch_shape + (n, n).
  torch::Tensor scale_tril() const;
  /// L Lᵀ (the given matrix when built from a covariance or precision matrix).
  torch::Tensor covariance_matrix() const;
  /// (L Lᵀ)⁻¹ (the given matrix when built from a precision matrix).
  torch::Tensor precision_matrix() const;

  bool has_rsample() const override { return true; }
  /// loc + L ε with ε ~ N(0, I).
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// -(n log 2π + |L⁻¹(x - loc)|²) / 2 - Σ log diag L.
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return loc_; }
  /// The diagonal of the covariance, batch_shape + (n,).
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::real_vector; }

 protected:
  std::vector<Arg> args() const override {
    return {{"loc", &loc_, constraints::real_vector, 1},
            {"covariance_matrix", &covariance_matrix_, constraints::positive_definite, 2},
            {"precision_matrix", &precision_matrix_, constraints::positive_definite, 2},
            {"scale_tril", &scale_tril_, constraints::lower_cholesky, 2}};
  }

 private:
  MultivariateNormal(torch::Tensor loc, torch::Tensor covariance_matrix,
                     torch::Tensor precision_matrix, torch::Tensor scale_tril,
                     std::optional<bool> validate_args);

  Shape matrix_shape() const;

  torch::Tensor loc_;  // expanded to batch_shape + (n,)
  // The given matrix in its own batch shape (validated there); undefined for the other two.
  torch::Tensor covariance_matrix_;
  torch::Tensor precision_matrix_;
  torch::Tensor scale_tril_;
  torch::Tensor unbroadcasted_scale_tril_;  // L in the given matrix's batch shape
};

/// |L⁻¹ x|² for lower-triangular `L` (L's batch..., n, n) and `x` (..., n) whose batch dims end in
/// dims that L's batch dims broadcast to; shape x.shape[:-1]. A shared L is one triangular solve
/// with every vector as a right-hand side, never a copy of L per vector.
torch::Tensor batch_mahalanobis(const torch::Tensor& L, const torch::Tensor& x);

/// `matrix` (batch..., n, m) times `vector` (..., m) with broadcast batch dims; shape (..., n). A
/// shared matrix is one matrix product.
torch::Tensor batch_matrix_vector(const torch::Tensor& matrix, const torch::Tensor& vector);

}  // namespace ppl::dist
