#include "ppl/distributions/transforms/softmax.h"

#include <stdexcept>

namespace ppl::transforms {

torch::Tensor Softmax::forward(const torch::Tensor& x) const {
  const auto unnormalized = (x - std::get<0>(x.max(-1, /*keepdim=*/true))).exp();
  return unnormalized / unnormalized.sum(-1, /*keepdim=*/true);
}

torch::Tensor Softmax::log_abs_det_jacobian(const torch::Tensor&, const torch::Tensor&) const {
  throw std::logic_error("Softmax: log_abs_det_jacobian is undefined (the map is not bijective)");
}

Shape Softmax::forward_shape(const Shape& shape) const {
  if (shape.empty()) throw std::invalid_argument("Softmax: expected at least 1 dim, found 0");
  return shape;
}

}  // namespace ppl::transforms
