#pragma once
// y = sigmoid(x): reals onto the unit interval, clipped so that 0 and 1 are never reached.

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

class Sigmoid : public Transform {
 public:
  std::string name() const override { return "Sigmoid"; }
  /// sigmoid(x) clamped to [tiny, 1 - eps] of x's dtype (PyTorch's `_clipped_sigmoid`).
  torch::Tensor forward(const torch::Tensor& x) const override;
  /// logit(y), with y clamped as in forward.
  torch::Tensor inverse(const torch::Tensor& y) const override;
  /// -softplus(-x) - softplus(x).
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const override;
  constraints::ConstraintPtr codomain() const override { return constraints::unit_interval; }
  int sign() const override { return 1; }
};

/// `x.sigmoid()` clamped to [tiny, 1 - eps] of its dtype.
torch::Tensor clipped_sigmoid(const torch::Tensor& x);

}  // namespace ppl::transforms
