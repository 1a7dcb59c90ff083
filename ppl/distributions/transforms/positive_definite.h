#pragma once
// Square matrices onto positive-definite matrices (PyTorch's PositiveDefiniteTransform): onto but
// not one-to-one, the strictly upper triangle is dropped.

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

/// y = L L^T with L = LowerCholesky(x).
class PositiveDefinite : public Transform {
 public:
  std::string name() const override { return "PositiveDefinite"; }
  torch::Tensor forward(const torch::Tensor& x) const override;
  /// LowerCholesky's inverse of cholesky(y).
  torch::Tensor inverse(const torch::Tensor& y) const override;
  /// std::logic_error: the map is not one-to-one, its Jacobian is singular.
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const override;
  /// independent(real, 2).
  constraints::ConstraintPtr domain() const override;
  constraints::ConstraintPtr codomain() const override { return constraints::positive_definite; }
  bool bijective() const override { return false; }
};

}  // namespace ppl::transforms
