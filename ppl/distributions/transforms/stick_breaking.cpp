#include "ppl/distributions/transforms/stick_breaking.h"

#include "ppl/distributions/finfo.h"
#include "ppl/distributions/transforms/sigmoid.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

namespace ppl::transforms {

namespace {

// log(K-1, K-2, ..., 1) for x of last dim K-1: centres the sticks so that x = 0 is the simplex's
// centre.
torch::Tensor log_offset(const torch::Tensor& x) {
  return at::arange(x.size(-1), 0, -1, x.options()).log();
}

void check_vector_shape(const Shape& shape, int64_t least) {
  if (shape.empty() || shape.back() < least) {
    throw std::invalid_argument(
        fmt::format("StickBreaking: expected a shape with last dim >= {}, found ({})", least,
                    fmt::join(shape, ", ")));
  }
}

}  // namespace

torch::Tensor StickBreaking::forward(const torch::Tensor& x) const {
  const auto z = clipped_sigmoid(x - log_offset(x));
  const auto remaining = (1 - z).cumprod(-1);
  return at::constant_pad_nd(z, {0, 1}, 1) * at::constant_pad_nd(remaining, {1, 0}, 1);
}

torch::Tensor StickBreaking::inverse(const torch::Tensor& y) const {
  const auto head = y.narrow(-1, 0, y.size(-1) - 1);
  const auto rest = (1 - head.cumsum(-1)).clamp_min(dist::finfo(y.scalar_type()).tiny);
  return head.log() - rest.log() + log_offset(head);
}

torch::Tensor StickBreaking::log_abs_det_jacobian(const torch::Tensor& x,
                                                  const torch::Tensor& y) const {
  const auto shifted = x - log_offset(x);
  const auto head = y.narrow(-1, 0, y.size(-1) - 1);
  return (-shifted + at::log_sigmoid(shifted) + head.log()).sum(-1);
}

Shape StickBreaking::forward_shape(const Shape& shape) const {
  check_vector_shape(shape, 0);
  Shape result = shape;
  result.back() += 1;
  return result;
}

Shape StickBreaking::inverse_shape(const Shape& shape) const {
  check_vector_shape(shape, 1);
  Shape result = shape;
  result.back() -= 1;
  return result;
}

}  // namespace ppl::transforms
