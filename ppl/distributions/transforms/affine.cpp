#include "ppl/distributions/transforms/affine.h"

#include "ppl/distributions/distribution.h"

#include <cmath>

namespace ppl::transforms {

namespace {

bool same(const dist::TensorOrNumber& a, const dist::TensorOrNumber& b) {
  if (a.is_number() != b.is_number()) return false;
  if (a.is_number()) return a.number() == b.number();
  return a.tensor().sizes().equals(b.tensor().sizes()) && a.tensor().equal(b.tensor());
}

}  // namespace

Affine::Affine(dist::TensorOrNumber loc, dist::TensorOrNumber scale, int64_t event_dim)
    : loc_(std::move(loc)), scale_(std::move(scale)), event_dim_(event_dim) {}

torch::Tensor Affine::forward(const torch::Tensor& x) const {
  const auto scaled = scale_.apply([&](const auto& scale) { return x * scale; });
  return loc_.apply([&](const auto& loc) { return scaled + loc; });
}

torch::Tensor Affine::inverse(const torch::Tensor& y) const {
  const auto shifted = loc_.apply([&](const auto& loc) { return y - loc; });
  return scale_.apply([&](const auto& scale) { return shifted / scale; });
}

torch::Tensor Affine::log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const {
  const auto log_scale = scale_.is_number()
                             ? torch::full_like(x, std::log(std::abs(scale_.number())))
                             : scale_.tensor().abs().log().expand(dist::broadcast_shapes(
                                   x.sizes(), scale_.tensor().sizes(), "Affine"));
  return dist::sum_rightmost(log_scale, event_dim_);
}

constraints::ConstraintPtr Affine::domain() const {
  return event_dim_ == 0 ? constraints::real
                         : constraints::independent(constraints::real, event_dim_);
}

int Affine::sign() const {
  if (!scale_.is_number()) return 0;
  return scale_.number() > 0 ? 1 : scale_.number() < 0 ? -1 : 0;
}

Shape Affine::forward_shape(const Shape& shape) const {
  Shape result = shape;
  for (const auto* coefficient : {&loc_, &scale_}) {
    if (!coefficient->is_number())
      result = dist::broadcast_shapes(result, coefficient->tensor().sizes(), "Affine");
  }
  return result;
}

bool Affine::equals(const Transform& other) const {
  const auto* affine = dynamic_cast<const Affine*>(&other);
  return affine && affine->event_dim_ == event_dim_ && same(loc_, affine->loc_) &&
         same(scale_, affine->scale_);
}

}  // namespace ppl::transforms
