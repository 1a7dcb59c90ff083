#pragma once
// Unconstrained vectors of length n(n-1)/2 onto Cholesky factors of n x n correlation matrices,
// bijectively (PyTorch's CorrCholeskyTransform, Stan's construction): tanh maps each entry to a
// partial correlation in (-1, 1), then a stick-breaking on the squares fills each row so that it
// has unit norm.

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

class CorrCholesky : public Transform {
 public:
  std::string name() const override { return "CorrCholesky"; }
  /// (..., n(n-1)/2) -> (..., n, n); the vector fills the strict lower triangle row by row.
  torch::Tensor forward(const torch::Tensor& x) const override;
  torch::Tensor inverse(const torch::Tensor& y) const override;
  /// The log-determinant of the map from x to the strict lower triangle of y (the other entries
  /// of y are determined by it).
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const override;
  constraints::ConstraintPtr domain() const override { return constraints::real_vector; }
  constraints::ConstraintPtr codomain() const override { return constraints::corr_cholesky; }
  /// (..., n(n-1)/2) -> (..., n, n); std::invalid_argument when the last dim is not triangular.
  Shape forward_shape(const Shape& shape) const override;
  /// (..., n, n) -> (..., n(n-1)/2); std::invalid_argument when not square.
  Shape inverse_shape(const Shape& shape) const override;
};

}  // namespace ppl::transforms
