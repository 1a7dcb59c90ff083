#pragma once
// y = x^exponent: positive reals onto positive reals (PyTorch's PowerTransform).

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

class Power : public Transform {
 public:
  /// `exponent` is a number or a tensor that broadcasts against x; nonzero.
  explicit Power(dist::TensorOrNumber exponent);
  std::string name() const override { return "Power"; }
  const dist::TensorOrNumber& exponent() const { return exponent_; }

  torch::Tensor forward(const torch::Tensor& x) const override;
  torch::Tensor inverse(const torch::Tensor& y) const override;
  /// log |exponent y / x|.
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const override;
  constraints::ConstraintPtr domain() const override { return constraints::positive; }
  constraints::ConstraintPtr codomain() const override { return constraints::positive; }
  /// The sign of a number exponent; 0 for a tensor exponent (its sign may vary).
  int sign() const override;
  /// The broadcast of `shape` with the exponent's shape.
  Shape forward_shape(const Shape& shape) const override;
  Shape inverse_shape(const Shape& shape) const override;
  bool equals(const Transform& other) const override;

 private:
  dist::TensorOrNumber exponent_;
};

}  // namespace ppl::transforms
