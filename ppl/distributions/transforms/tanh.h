#pragma once
// y = tanh(x): reals onto (-1, 1) (PyTorch's TanhTransform).

#include "ppl/distributions/transforms/transform.h"

#include <cmath>

namespace ppl::transforms {

class Tanh : public Transform {
 public:
  std::string name() const override { return "Tanh"; }
  torch::Tensor forward(const torch::Tensor& x) const override { return x.tanh(); }
  /// atanh(y), unclamped: y = +-1 gives +-inf, as in PyTorch.
  torch::Tensor inverse(const torch::Tensor& y) const override { return y.atanh(); }
  /// 2 (log 2 - x - softplus(-2x)): log(1 - tanh(x)^2) without cancellation for large |x|.
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const override {
    return 2 * (std::log(2.0) - x - at::softplus(-2 * x));
  }
  /// interval(-1, 1).
  constraints::ConstraintPtr codomain() const override {
    static const auto open_unit_ball = constraints::interval(-1.0, 1.0);
    return open_unit_ball;
  }
  int sign() const override { return 1; }
};

}  // namespace ppl::transforms
