#pragma once
// Square matrices onto lower Cholesky factors (PyTorch's LowerCholeskyTransform): onto but not
// one-to-one, the strictly upper triangle is dropped.

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

}  // namespace ppl::transforms
