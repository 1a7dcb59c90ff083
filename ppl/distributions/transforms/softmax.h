#pragma once
// y = softmax(x) over the last dim: real vectors onto the simplex, onto but not one-to-one
// (PyTorch's SoftmaxTransform; what transform_to(simplex) gives the param store).

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

class Softmax : public Transform {
 public:
  std::string name() const override { return "Softmax"; }
  torch::Tensor forward(const torch::Tensor& x) const override;
  /// log(y): a right inverse (softmax(log y) = y), one of the preimages.
  torch::Tensor inverse(const torch::Tensor& y) const override { return y.log(); }
  /// std::logic_error: the map is not one-to-one, its Jacobian is singular.
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const override;
  constraints::ConstraintPtr domain() const override { return constraints::real_vector; }
  constraints::ConstraintPtr codomain() const override { return constraints::simplex; }
  bool bijective() const override { return false; }
  /// `shape`; std::invalid_argument when it has no dims.
  Shape forward_shape(const Shape& shape) const override;
  Shape inverse_shape(const Shape& shape) const override { return forward_shape(shape); }
};

}  // namespace ppl::transforms
