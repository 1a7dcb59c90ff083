#pragma once
// y = loc + scale * x, elementwise; loc and scale are tensors or numbers.

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

class Affine : public Transform {
 public:
  /// `event_dim` rightmost dims form one event: the Jacobian term is summed over them.
  Affine(dist::TensorOrNumber loc, dist::TensorOrNumber scale, int64_t event_dim = 0);
  std::string name() const override { return "Affine"; }
  const dist::TensorOrNumber& loc() const { return loc_; }
  const dist::TensorOrNumber& scale() const { return scale_; }

  torch::Tensor forward(const torch::Tensor& x) const override;
  torch::Tensor inverse(const torch::Tensor& y) const override;
  /// log|scale|, broadcast to x's shape, summed over the event dims.
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const override;
  constraints::ConstraintPtr domain() const override;
  constraints::ConstraintPtr codomain() const override { return domain(); }
  /// The sign of a number scale; 0 for a tensor scale (its sign may vary).
  int sign() const override;
  /// The broadcast of `shape` with the shapes of loc and scale.
  Shape forward_shape(const Shape& shape) const override;
  Shape inverse_shape(const Shape& shape) const override { return forward_shape(shape); }
  bool equals(const Transform& other) const override;

 private:
  dist::TensorOrNumber loc_;
  dist::TensorOrNumber scale_;
  int64_t event_dim_;
};

}  // namespace ppl::transforms
