#pragma once
// y = low + (high - low) sigmoid(x): reals onto the interval (low, high) with number bounds, the
// bijection biject_to gives for an interval (Pyro's Compose(Sigmoid, Affine), as one transform).

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

class ScaledSigmoid : public Transform {
 public:
  /// std::invalid_argument unless low < high.
  ScaledSigmoid(double low, double high);
  double low() const { return low_; }
  double high() const { return high_; }

  std::string name() const override;
  /// low + (high - low) sigmoid(x), the sigmoid clipped as Sigmoid's so the bounds are never
  /// reached.
  torch::Tensor forward(const torch::Tensor& x) const override;
  torch::Tensor inverse(const torch::Tensor& y) const override;
  /// log(high - low) - softplus(x) - softplus(-x).
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const override;
  /// Both at once; for small CPU tensors one autograd node computes them in one loop.
  std::pair<torch::Tensor, torch::Tensor> forward_with_log_abs_det_jacobian(
      const torch::Tensor& x) const override;
  constraints::ConstraintPtr codomain() const override;
  int sign() const override { return 1; }
  bool equals(const Transform& other) const override;

 private:
  double low_;
  double high_;
};

}  // namespace ppl::transforms
