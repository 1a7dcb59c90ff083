#include "ppl/distributions/transforms/power.h"

#include "ppl/distributions/distribution.h"

namespace ppl::transforms {

Power::Power(dist::TensorOrNumber exponent) : exponent_(std::move(exponent)) {}

torch::Tensor Power::forward(const torch::Tensor& x) const {
  return exponent_.apply([&](const auto& exponent) { return x.pow(exponent); });
}

torch::Tensor Power::inverse(const torch::Tensor& y) const {
  return exponent_.apply([&](const auto& exponent) { return y.pow(1 / exponent); });
}

torch::Tensor Power::log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const {
  return exponent_.apply([&](const auto& exponent) { return (exponent * y / x).abs().log(); });
}

int Power::sign() const {
  if (!exponent_.is_number()) return 0;
  return exponent_.number() > 0 ? 1 : exponent_.number() < 0 ? -1 : 0;
}

Shape Power::forward_shape(const Shape& shape) const {
  if (exponent_.is_number()) return shape;
  return dist::broadcast_shapes(shape, exponent_.tensor().sizes(), "Power");
}

Shape Power::inverse_shape(const Shape& shape) const {
  return forward_shape(shape);
}

bool Power::equals(const Transform& other) const {
  const auto* power = dynamic_cast<const Power*>(&other);
  if (!power || power->exponent_.is_number() != exponent_.is_number()) return false;
  if (exponent_.is_number()) return exponent_.number() == power->exponent_.number();
  return exponent_.tensor().sizes().equals(power->exponent_.tensor().sizes()) &&
         exponent_.tensor().equal(power->exponent_.tensor());
}

}  // namespace ppl::transforms
