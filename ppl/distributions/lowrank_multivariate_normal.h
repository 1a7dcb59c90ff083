#pragma once
// Multivariate normal distribution with a low-rank-plus-diagonal covariance.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// LowRankMultivariateNormal(loc, W, D) over vectors of size n = loc.size(-1), with covariance
/// Σ = W Wᵀ + diag(D) for cov_factor W (batch..., n, m) and cov_diag D (batch..., n). log_prob and
/// entropy run through the m x m capacitance matrix C = I + Wᵀ D⁻¹ W (Woodbury identity and the
/// matrix determinant lemma), never an n x n factorization.
class LowRankMultivariateNormal : public DistributionBase<LowRankMultivariateNormal> {
 public:
  /// std::invalid_argument when the shapes do not fit, and (when validating) when loc or cov_factor
  /// is NaN or cov_diag is not positive.
  LowRankMultivariateNormal(torch::Tensor loc, torch::Tensor cov_factor, torch::Tensor cov_diag,
                            std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "LowRankMultivariateNormal"; }
  /// batch_shape + (n,).
  const torch::Tensor& loc() const { return loc_; }
  /// W, batch_shape + (n, m).
  const torch::Tensor& cov_factor() const { return cov_factor_; }
  /// D, batch_shape + (n,).
  const torch::Tensor& cov_diag() const { return cov_diag_; }
  /// W Wᵀ + diag(D).
  torch::Tensor covariance_matrix() const;
  /// D⁻¹ - D⁻¹ W C⁻¹ Wᵀ D⁻¹ (Woodbury).
  torch::Tensor precision_matrix() const;
  /// The lower Cholesky factor of the covariance, as D^½ chol(I + D^-½ W Wᵀ D^-½) (well
  /// conditioned: the eigenvalues of the inner matrix are at least 1).
  torch::Tensor scale_tril() const;

  bool has_rsample() const override { return true; }
  /// loc + W ε_W + D^½ ε_D with ε_W ~ N(0, I_m), ε_D ~ N(0, I_n).
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return loc_; }
  /// The diagonal of the covariance: Σ_j W_ij² + D_i.
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::real_vector; }

 protected:
  std::vector<Arg> args() const override;

 private:
  /// log |Σ| = log |C| + Σ log D.
  torch::Tensor log_det() const;
  Shape matrix_shape() const;

  torch::Tensor loc_;  // loc, W and D broadcast to batch_shape
  torch::Tensor cov_factor_;
  torch::Tensor cov_diag_;
  torch::Tensor unbroadcasted_cov_factor_;
  torch::Tensor unbroadcasted_cov_diag_;
  torch::Tensor capacitance_tril_;  // Cholesky factor of C, in the batch shape of W and D
};

}  // namespace ppl::dist
