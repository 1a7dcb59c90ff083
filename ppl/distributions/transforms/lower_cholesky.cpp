#include "ppl/distributions/transforms/lower_cholesky.h"

#include <stdexcept>

namespace ppl::transforms {

torch::Tensor LowerCholesky::forward(const torch::Tensor& x) const {
  return x.tril(-1) + at::diag_embed(x.diagonal(0, -2, -1).exp());
}

torch::Tensor LowerCholesky::inverse(const torch::Tensor& y) const {
  return y.tril(-1) + at::diag_embed(y.diagonal(0, -2, -1).log());
}

torch::Tensor LowerCholesky::log_abs_det_jacobian(const torch::Tensor&,
                                                  const torch::Tensor&) const {
  throw std::logic_error(
      "LowerCholesky: log_abs_det_jacobian is undefined (the map is not bijective)");
}

namespace {
constraints::ConstraintPtr real_matrix() {
  // A function-local static: constraints::real is another translation unit's global.
  static const auto real_matrix = constraints::independent(constraints::real, 2);
  return real_matrix;
}
}  // namespace

constraints::ConstraintPtr LowerCholesky::domain() const {
  return real_matrix();
}

torch::Tensor UnitLowerCholesky::forward(const torch::Tensor& x) const {
  return x.tril(-1) + torch::eye(x.size(-1), x.options());
}

torch::Tensor UnitLowerCholesky::inverse(const torch::Tensor& y) const {
  return y.tril(-1);
}

torch::Tensor UnitLowerCholesky::log_abs_det_jacobian(const torch::Tensor&,
                                                      const torch::Tensor&) const {
  throw std::logic_error(
      "UnitLowerCholesky: log_abs_det_jacobian is undefined (the map is not bijective)");
}

constraints::ConstraintPtr UnitLowerCholesky::domain() const {
  return real_matrix();
}

}  // namespace ppl::transforms
