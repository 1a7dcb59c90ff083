#pragma once
// Bijective transforms and `biject_to`, which maps an unconstrained real tensor onto a constraint's
// domain (how the param store keeps constrained parameters).

#include "ppl/distributions/constraints.h"

#include <memory>

namespace ppl::transforms {

class Transform {
 public:
  virtual ~Transform() = default;
  /// y = f(x)
  virtual torch::Tensor forward(const torch::Tensor& x) const = 0;
  /// x = f^{-1}(y)
  virtual torch::Tensor inverse(const torch::Tensor& y) const = 0;
  /// log |det df/dx|, summed over the transform's event dims.
  virtual torch::Tensor log_abs_det_jacobian(const torch::Tensor& x,
                                             const torch::Tensor& y) const = 0;
};

using TransformPtr = std::shared_ptr<const Transform>;

/// The transform from unconstrained reals onto `constraint`'s domain:
/// real -> identity, positive -> exp, greater_than(a) -> a + exp, interval(a, b) and
/// unit_interval -> affine sigmoid, simplex -> stick breaking. std::invalid_argument otherwise.
TransformPtr biject_to(const constraints::ConstraintPtr& constraint);

}  // namespace ppl::transforms
