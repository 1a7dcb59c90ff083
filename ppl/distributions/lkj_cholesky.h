#pragma once
// LKJ distribution over Cholesky factors of correlation matrices.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// LKJCholesky(dim, η): lower Cholesky factors L of dim x dim correlation matrices M = L Lᵀ, with
/// density of M proportional to det(M)^(η - 1) (uniform over correlation matrices at η = 1).
/// Sampled by the onion method (Lewandowski, Kurowicka and Joe 2009, section 3.2), vectorized
/// over rows and batch; no rsample.
class LKJCholesky : public DistributionBase<LKJCholesky> {
 public:
  /// std::invalid_argument when dim < 2, and (when validating) when the concentration η is not
  /// positive.
  explicit LKJCholesky(int64_t dim, TensorOrNumber concentration = 1.0,
                       std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "LKJCholesky"; }
  int64_t dim() const { return dim_; }
  /// η, batch_shape.
  const torch::Tensor& concentration() const { return concentration_; }

  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// Σ_{i=2..dim} (2(η - 1) + dim - i) log L_ii minus the log normalizer (PyTorch's formula).
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  constraints::ConstraintPtr support() const override { return constraints::corr_cholesky; }

 protected:
  std::vector<Arg> args() const override {
    return {{"concentration", &concentration_, constraints::positive}};
  }

 private:
  int64_t dim_;
  torch::Tensor concentration_;
};

}  // namespace ppl::dist
