#pragma once
// y = exp(x): reals onto positive reals.

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

class Exp : public Transform {
 public:
  std::string name() const override { return "Exp"; }
  torch::Tensor forward(const torch::Tensor& x) const override { return x.exp(); }
  torch::Tensor inverse(const torch::Tensor& y) const override { return y.log(); }
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const override {
    return x;
  }
  constraints::ConstraintPtr codomain() const override { return constraints::positive; }
  int sign() const override { return 1; }
};

}  // namespace ppl::transforms
