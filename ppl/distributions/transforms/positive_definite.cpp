#include "ppl/distributions/transforms/positive_definite.h"

#include "ppl/distributions/transforms/lower_cholesky.h"

#include <stdexcept>

namespace ppl::transforms {

torch::Tensor PositiveDefinite::forward(const torch::Tensor& x) const {
  const auto factor = LowerCholesky().forward(x);
  return at::matmul(factor, factor.transpose(-1, -2));
}

torch::Tensor PositiveDefinite::inverse(const torch::Tensor& y) const {
  return LowerCholesky().inverse(at::linalg_cholesky(y));
}

torch::Tensor PositiveDefinite::log_abs_det_jacobian(const torch::Tensor&,
                                                     const torch::Tensor&) const {
  throw std::logic_error(
      "PositiveDefinite: log_abs_det_jacobian is undefined (the map is not bijective)");
}

constraints::ConstraintPtr PositiveDefinite::domain() const {
  return LowerCholesky().domain();
}

}  // namespace ppl::transforms
