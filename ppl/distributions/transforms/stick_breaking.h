#pragma once
// Stick breaking: R^{K-1} onto the K-simplex, bijectively (PyTorch's StickBreakingTransform).

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

class StickBreaking : public Transform {
 public:
  std::string name() const override { return "StickBreaking"; }
  torch::Tensor forward(const torch::Tensor& x) const override;
  torch::Tensor inverse(const torch::Tensor& y) const override;
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const override;
  constraints::ConstraintPtr domain() const override { return constraints::real_vector; }
  constraints::ConstraintPtr codomain() const override { return constraints::simplex; }
  /// (..., K - 1) -> (..., K).
  Shape forward_shape(const Shape& shape) const override;
  /// (..., K) -> (..., K - 1).
  Shape inverse_shape(const Shape& shape) const override;
};

}  // namespace ppl::transforms
