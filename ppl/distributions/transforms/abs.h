#pragma once
// y = |x|: reals onto the nonnegative reals, two points onto one (PyTorch's AbsTransform).

#include "ppl/distributions/transforms/transform.h"

#include <stdexcept>

namespace ppl::transforms {

class Abs : public Transform {
 public:
  std::string name() const override { return "Abs"; }
  torch::Tensor forward(const torch::Tensor& x) const override { return x.abs(); }
  /// y itself: the inverse on the nonnegative branch.
  torch::Tensor inverse(const torch::Tensor& y) const override { return y; }
  /// std::logic_error: a fold has no change of variables (folded distributions write their own
  /// log_prob).
  torch::Tensor log_abs_det_jacobian(const torch::Tensor&, const torch::Tensor&) const override {
    throw std::logic_error("Abs: not bijective, so it has no log |det J|");
  }
  constraints::ConstraintPtr codomain() const override { return constraints::nonnegative; }
  bool bijective() const override { return false; }
};

}  // namespace ppl::transforms
