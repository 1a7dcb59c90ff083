#pragma once
// y = log(1 + exp(x)): reals onto positive reals (PyTorch's SoftplusTransform).

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

class Softplus : public Transform {
 public:
  std::string name() const override { return "Softplus"; }
  torch::Tensor forward(const torch::Tensor& x) const override { return at::softplus(x); }
  /// log(exp(y) - 1), computed as y + log(-expm1(-y)).
  torch::Tensor inverse(const torch::Tensor& y) const override {
    return (-y).expm1().neg().log() + y;
  }
  /// log sigmoid(x) = -softplus(-x).
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const override {
    return -at::softplus(-x);
  }
  constraints::ConstraintPtr codomain() const override { return constraints::positive; }
  int sign() const override { return 1; }
};

}  // namespace ppl::transforms
