#include "ppl/distributions/multivariate_normal.h"

#include "ppl/distributions/math.h"

#include <fmt/format.h>

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace ppl::dist {

namespace {

Shape concat(Shape shape, std::initializer_list<int64_t> tail) {
  shape.insert(shape.end(), tail);
  return shape;
}

/// Vectors x (batch..., k) laid out as the columns of one (b, k, c) tensor for the b matrices of
/// a batch of matrices (matrix_batch..., ., .): column j of slice i holds the j-th vector that
/// meets matrix i. Undone by `restore`.
class Columns {
 public:
  Columns(const torch::Tensor& x, c10::IntArrayRef matrix_batch) {
    const int64_t k = x.size(-1);
    batch_ = broadcast_shapes(drop_rightmost(x.sizes(), 1), matrix_batch, "vectors and matrices");
    const int64_t matrix_dims = static_cast<int64_t>(matrix_batch.size());
    const int64_t outer = static_cast<int64_t>(batch_.size()) - matrix_dims;
    // Each batch dim that the matrices have is split in (vectors per matrix, matrices).
    Shape split(batch_.begin(), batch_.begin() + outer);
    for (int64_t i = 0; i < matrix_dims; ++i) {
      split.push_back(batch_[outer + i] / matrix_batch[i]);
      split.push_back(matrix_batch[i]);
    }
    std::vector<int64_t> order(outer);
    std::iota(order.begin(), order.end(), 0);
    for (int64_t i = 0; i < matrix_dims; ++i) order.push_back(outer + 2 * i);
    for (int64_t i = 0; i < matrix_dims; ++i) order.push_back(outer + 2 * i + 1);
    for (int64_t d : order) permuted_batch_.push_back(split[d]);
    inverse_.assign(order.size(), 0);
    for (size_t position = 0; position < order.size(); ++position)
      inverse_[order[position]] = static_cast<int64_t>(position);
    order.push_back(static_cast<int64_t>(split.size()));
    split.push_back(k);
    const int64_t matrices = c10::multiply_integers(matrix_batch);
    value_ = x.expand(concat(batch_, {k}))
                 .reshape(split)
                 .permute(order)
                 .reshape({-1, matrices, k})
                 .permute({1, 2, 0});
  }

  /// (b, k, c).
  const torch::Tensor& value() const { return value_; }

  /// (b, c) back to the vectors' batch shape.
  torch::Tensor restore_scalars(const torch::Tensor& per_column) const {
    return per_column.t().reshape(permuted_batch_).permute(inverse_).reshape(batch_);
  }

  /// (b, m, c) back to the vectors' batch shape + (m,).
  torch::Tensor restore_vectors(const torch::Tensor& per_column) const {
    const int64_t m = per_column.size(1);
    auto inverse = inverse_;
    inverse.push_back(static_cast<int64_t>(inverse.size()));
    return per_column.permute({2, 0, 1})
        .reshape(concat(permuted_batch_, {m}))
        .permute(inverse)
        .reshape(concat(batch_, {m}));
  }

 private:
  Shape batch_;
  Shape permuted_batch_;
  std::vector<int64_t> inverse_;
  torch::Tensor value_;
};

c10::IntArrayRef batch_of_vectors(const torch::Tensor& x) {
  return x.sizes().slice(0, x.dim() - 1);
}

c10::IntArrayRef batch_of_matrices(const torch::Tensor& matrix) {
  return matrix.sizes().slice(0, matrix.dim() - 2);
}

/// Σ = P⁻¹ = L Lᵀ from the Cholesky factor of P with rows and columns reversed, which is the
/// reversed transpose of L⁻¹ (no explicit inverse of P).
torch::Tensor precision_to_scale_tril(const torch::Tensor& precision) {
  const auto reversed_factor = std::get<0>(at::linalg_cholesky_ex(precision.flip({-2, -1})));
  const auto scale_tril_inverse = reversed_factor.flip({-2, -1}).mT();
  const auto identity = torch::eye(precision.size(-1), precision.options());
  return at::linalg_solve_triangular(scale_tril_inverse, identity, /*upper=*/false);
}

}  // namespace

torch::Tensor batch_mahalanobis(const torch::Tensor& L, const torch::Tensor& x) {
  if (L.dim() == 2) {  // L⁻¹ Xᵀ: every vector a column of one right-hand side
    const auto columns = x.reshape({-1, x.size(-1)}).t();
    const auto solved = at::linalg_solve_triangular(L, columns, /*upper=*/false);
    return solved.square().sum(0).reshape(batch_of_vectors(x));
  }
  if (batch_of_matrices(L) == batch_of_vectors(x)) {
    return at::linalg_solve_triangular(L, x.unsqueeze(-1), /*upper=*/false)
        .squeeze(-1)
        .square()
        .sum(-1);
  }
  const Columns columns(x, batch_of_matrices(L));
  const auto flat_L = L.reshape({-1, L.size(-2), L.size(-1)});
  const auto solved = at::linalg_solve_triangular(flat_L, columns.value(), /*upper=*/false);
  return columns.restore_scalars(solved.square().sum(-2));
}

torch::Tensor batch_matrix_vector(const torch::Tensor& matrix, const torch::Tensor& vector) {
  if (matrix.dim() == 2) return vector.matmul(matrix.mT());
  if (batch_of_matrices(matrix) == batch_of_vectors(vector)) {
    return at::matmul(matrix, vector.unsqueeze(-1)).squeeze(-1);
  }
  const Columns columns(vector, batch_of_matrices(matrix));
  return columns.restore_vectors(
      at::matmul(matrix.reshape({-1, matrix.size(-2), matrix.size(-1)}), columns.value()));
}

MultivariateNormal::MultivariateNormal(torch::Tensor loc, torch::Tensor covariance_matrix,
                                       torch::Tensor precision_matrix, torch::Tensor scale_tril,
                                       std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  const char* matrix_name = covariance_matrix.defined()  ? "covariance_matrix"
                            : precision_matrix.defined() ? "precision_matrix"
                                                         : "scale_tril";
  torch::Tensor& matrix = covariance_matrix.defined()  ? covariance_matrix
                          : precision_matrix.defined() ? precision_matrix
                                                       : scale_tril;
  if (!loc.defined() || !matrix.defined()) {
    throw std::invalid_argument(
        fmt::format("MultivariateNormal: loc and {} must be defined tensors", matrix_name));
  }
  if (loc.dim() < 1) {
    throw std::invalid_argument(
        "MultivariateNormal: loc must be at least one-dimensional, found shape ()");
  }
  const int64_t n = loc.size(-1);
  if (matrix.dim() < 2 || matrix.size(-1) != n || matrix.size(-2) != n) {
    throw std::invalid_argument(fmt::format(
        "MultivariateNormal: {} must have shape (..., {}, {}) to match loc of shape {}, found {}",
        matrix_name, n, n, shape_str(loc.sizes()), shape_str(matrix.sizes())));
  }
  static const std::string kBatchMismatch = "MultivariateNormal: batch dims of loc and matrix";
  const Shape batch =
      broadcast_shapes(batch_of_vectors(loc), batch_of_matrices(matrix), kBatchMismatch);
  const auto vector_shape = concat(batch, {n});
  loc_ = loc.sizes() == c10::IntArrayRef(vector_shape) ? loc : loc.expand(vector_shape);
  if (scale_tril.defined()) {
    unbroadcasted_scale_tril_ = scale_tril;
  } else if (covariance_matrix.defined()) {
    unbroadcasted_scale_tril_ = std::get<0>(at::linalg_cholesky_ex(covariance_matrix));
  } else {
    unbroadcasted_scale_tril_ = precision_to_scale_tril(precision_matrix);
  }
  covariance_matrix_ = std::move(covariance_matrix);
  precision_matrix_ = std::move(precision_matrix);
  scale_tril_ = std::move(scale_tril);
  init(batch, {n});
}

MultivariateNormal::MultivariateNormal(torch::Tensor loc, torch::Tensor covariance_matrix,
                                       std::optional<bool> validate_args)
    : MultivariateNormal(std::move(loc), std::move(covariance_matrix), torch::Tensor(),
                         torch::Tensor(), validate_args) {}

MultivariateNormal MultivariateNormal::from_covariance_matrix(torch::Tensor loc,
                                                              torch::Tensor covariance_matrix,
                                                              std::optional<bool> validate_args) {
  return MultivariateNormal(std::move(loc), std::move(covariance_matrix), torch::Tensor(),
                            torch::Tensor(), validate_args);
}

MultivariateNormal MultivariateNormal::from_precision_matrix(torch::Tensor loc,
                                                             torch::Tensor precision_matrix,
                                                             std::optional<bool> validate_args) {
  return MultivariateNormal(std::move(loc), torch::Tensor(), std::move(precision_matrix),
                            torch::Tensor(), validate_args);
}

MultivariateNormal MultivariateNormal::from_scale_tril(torch::Tensor loc, torch::Tensor scale_tril,
                                                       std::optional<bool> validate_args) {
  return MultivariateNormal(std::move(loc), torch::Tensor(), torch::Tensor(), std::move(scale_tril),
                            validate_args);
}

Shape MultivariateNormal::matrix_shape() const {
  return concat(batch_shape_, {event_shape_[0], event_shape_[0]});
}

torch::Tensor MultivariateNormal::scale_tril() const {
  return unbroadcasted_scale_tril_.expand(matrix_shape());
}

torch::Tensor MultivariateNormal::covariance_matrix() const {
  if (covariance_matrix_.defined()) return covariance_matrix_.expand(matrix_shape());
  const auto& L = unbroadcasted_scale_tril_;
  return at::matmul(L, L.mT()).expand(matrix_shape());
}

torch::Tensor MultivariateNormal::precision_matrix() const {
  if (precision_matrix_.defined()) return precision_matrix_.expand(matrix_shape());
  return at::cholesky_inverse(unbroadcasted_scale_tril_).expand(matrix_shape());
}

torch::Tensor MultivariateNormal::variance() const {
  return unbroadcasted_scale_tril_.square().sum(-1).expand(extended_shape());
}

torch::Tensor MultivariateNormal::rsample(const Shape& sample_shape,
                                          c10::optional<at::Generator> generator) const {
  const auto eps = at::randn(extended_shape(sample_shape), std::move(generator), loc_.options());
  return loc_ + batch_matrix_vector(unbroadcasted_scale_tril_, eps);
}

torch::Tensor MultivariateNormal::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto& L = unbroadcasted_scale_tril_;
  const auto half_log_det = L.diagonal(0, -2, -1).log().sum(-1);
  return batch_mahalanobis(L, value - loc_)
      .add(static_cast<double>(event_shape_[0]) * kLog2Pi)
      .mul_(-0.5)
      .sub_(half_log_det);
}

torch::Tensor MultivariateNormal::entropy() const {
  const auto half_log_det = unbroadcasted_scale_tril_.diagonal(0, -2, -1).log().sum(-1);
  return (half_log_det + 0.5 * static_cast<double>(event_shape_[0]) * (1 + kLog2Pi))
      .expand(batch_shape_);
}

}  // namespace ppl::dist
