#pragma once
// Square matrices onto lower Cholesky factors (PyTorch's LowerCholeskyTransform) and onto unit
// lower triangular ones: onto but not one-to-one, the strictly upper triangle is dropped.

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

/// y = tril(x, -1) + diag(exp(diag(x))).
class LowerCholesky : public Transform {
 public:
  std::string name() const override { return "LowerCholesky"; }
  torch::Tensor forward(const torch::Tensor& x) const override;
  /// tril(y, -1) + diag(log(diag(y))): the preimage with a zero upper triangle.
  torch::Tensor inverse(const torch::Tensor& y) const override;
  /// std::logic_error: the map is not one-to-one, its Jacobian is singular.
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const override;
  /// independent(real, 2).
  constraints::ConstraintPtr domain() const override;
  constraints::ConstraintPtr codomain() const override { return constraints::lower_cholesky; }
  bool bijective() const override { return false; }
};

/// y = tril(x, -1) + I: square matrices onto unit lower triangular ones (Pyro's
/// UnitLowerCholeskyTransform), dropping the diagonal and the upper triangle.
class UnitLowerCholesky : public Transform {
 public:
  std::string name() const override { return "UnitLowerCholesky"; }
  torch::Tensor forward(const torch::Tensor& x) const override;
  /// tril(y, -1): the preimage with zero diagonal and upper triangle.
  torch::Tensor inverse(const torch::Tensor& y) const override;
  /// std::logic_error: the map is not one-to-one.
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const override;
  /// independent(real, 2).
  constraints::ConstraintPtr domain() const override;
  constraints::ConstraintPtr codomain() const override { return constraints::unit_lower_cholesky; }
  bool bijective() const override { return false; }
};

}  // namespace ppl::transforms
