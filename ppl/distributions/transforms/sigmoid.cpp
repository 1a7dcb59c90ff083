#include "ppl/distributions/transforms/sigmoid.h"

#include "ppl/distributions/finfo.h"

namespace ppl::transforms {

torch::Tensor clipped_sigmoid(const torch::Tensor& x) {
  const auto info = dist::finfo(x.scalar_type());
  return x.sigmoid().clamp(info.tiny, 1 - info.eps);
}

torch::Tensor Sigmoid::forward(const torch::Tensor& x) const {
  return clipped_sigmoid(x);
}

torch::Tensor Sigmoid::inverse(const torch::Tensor& y) const {
  const auto info = dist::finfo(y.scalar_type());
  const auto p = y.clamp(info.tiny, 1 - info.eps);
  return p.log() - (-p).log1p();
}

torch::Tensor Sigmoid::log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const {
  return -at::softplus(-x) - at::softplus(x);
}

}  // namespace ppl::transforms
