#pragma once
// Compose: the transforms applied one after another (PyTorch's ComposeTransform); with no parts
// it is the identity.

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

/// y = parts[n-1](...parts[1](parts[0](x))).
class Compose : public Transform {
 public:
  explicit Compose(std::vector<TransformPtr> parts = {});
  const std::vector<TransformPtr>& parts() const { return parts_; }

  std::string name() const override;
  torch::Tensor forward(const torch::Tensor& x) const override;
  torch::Tensor inverse(const torch::Tensor& y) const override;
  /// The sum of the parts' terms, each reduced to the composite's domain event dims.
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const override;
  constraints::ConstraintPtr domain() const override;
  constraints::ConstraintPtr codomain() const override;
  bool bijective() const override;
  int sign() const override;
  Shape forward_shape(const Shape& shape) const override;
  Shape inverse_shape(const Shape& shape) const override;
  bool equals(const Transform& other) const override;

 private:
  std::vector<TransformPtr> parts_;
};

/// The identity transform (a Compose of nothing).
TransformPtr identity();

}  // namespace ppl::transforms
