#include "ppl/distributions/transforms/corr_cholesky.h"

#include "ppl/distributions/distribution.h"
#include "ppl/distributions/finfo.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace ppl::transforms {

namespace {

// The row-major flat indices of the entries (i, j) of an n x n matrix with j < i + offset + 1
// (the triangle torch.tril(matrix, offset) keeps).
torch::Tensor tril_indices(int64_t n, int64_t offset, const torch::Device& device) {
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < std::min(n, i + offset + 1); ++j) indices.push_back(i * n + j);
  }
  return torch::tensor(indices, torch::TensorOptions().dtype(torch::kLong)).to(device);
}

// The entries of tril(matrix, offset), row by row (PyTorch's tril_matrix_to_vec).
torch::Tensor tril_to_vector(const torch::Tensor& matrix, int64_t offset) {
  return matrix.flatten(-2).index_select(-1,
                                         tril_indices(matrix.size(-1), offset, matrix.device()));
}

// The n x n matrix with `vector` in its strict lower triangle, row by row, zeros elsewhere.
torch::Tensor strict_tril_from_vector(const torch::Tensor& vector, int64_t n) {
  auto flat_shape = vector.sizes().vec();
  flat_shape.back() = n * n;
  auto matrix_shape = vector.sizes().vec();
  matrix_shape.back() = n;
  matrix_shape.push_back(n);
  return at::zeros(flat_shape, vector.options())
      .index_copy(-1, tril_indices(n, -1, vector.device()), vector)
      .view(matrix_shape);
}

// n with n(n-1)/2 = size, or std::invalid_argument.
int64_t matrix_size(int64_t size) {
  const auto n = static_cast<int64_t>(std::llround(std::sqrt(0.25 + 2.0 * size) + 0.5));
  if (n * (n - 1) / 2 != size) {
    throw std::invalid_argument(
        fmt::format("CorrCholesky: expected a last dim of n(n-1)/2 for some n, found {}", size));
  }
  return n;
}

}  // namespace

torch::Tensor CorrCholesky::forward(const torch::Tensor& x) const {
  const int64_t n = forward_shape(x.sizes().vec()).back();
  const double eps = dist::finfo(x.scalar_type()).eps;
  const auto partial = strict_tril_from_vector(x.tanh().clamp(-1 + eps, 1 - eps), n);
  // Row i keeps sqrt(1 - r_i0^2) ... sqrt(1 - r_i(j-1)^2) of its stick before entry j; with
  // r_ij = sign * sqrt(z_ij) that is y_ij = r_ij * prod_{k<j} sqrt(1 - r_ik^2).
  const auto remaining = (1 - partial.square()).sqrt().cumprod(-1);
  const auto before = at::constant_pad_nd(remaining.narrow(-1, 0, n - 1), {1, 0}, 1);
  return (partial + at::eye(n, x.options())) * before;
}

torch::Tensor CorrCholesky::inverse(const torch::Tensor& y) const {
  inverse_shape(y.sizes().vec());  // checks that y is square
  const int64_t n = y.size(-1);
  const auto remaining = 1 - y.square().cumsum(-1);
  const auto before = at::constant_pad_nd(remaining.narrow(-1, 0, n - 1), {1, 0}, 1);
  const auto partial = tril_to_vector(y, -1) / tril_to_vector(before, -1).sqrt();
  return (partial.log1p() - (-partial).log1p()) / 2;
}

torch::Tensor CorrCholesky::log_abs_det_jacobian(const torch::Tensor& x,
                                                 const torch::Tensor& y) const {
  // Offset -2 picks 1 - sum_{k<j} y_ik^2 for 0 < j < i without shifting.
  const auto remaining = tril_to_vector(1 - y.square().cumsum(-1), -2);
  const auto stick_breaking = 0.5 * remaining.log().sum(-1);
  const auto tanh = -2 * (x + at::softplus(-2 * x) - std::log(2.0)).sum(-1);
  return stick_breaking + tanh;
}

Shape CorrCholesky::forward_shape(const Shape& shape) const {
  if (shape.empty()) throw std::invalid_argument("CorrCholesky: expected at least 1 dim, found 0");
  Shape result(shape.begin(), shape.end() - 1);
  const int64_t n = matrix_size(shape.back());
  result.push_back(n);
  result.push_back(n);
  return result;
}

Shape CorrCholesky::inverse_shape(const Shape& shape) const {
  if (shape.size() < 2 || shape[shape.size() - 1] != shape[shape.size() - 2]) {
    throw std::invalid_argument(
        fmt::format("CorrCholesky: expected square matrices (..., n, n), found shape {}",
                    dist::shape_str(shape)));
  }
  Shape result(shape.begin(), shape.end() - 2);
  result.push_back(shape.back() * (shape.back() - 1) / 2);
  return result;
}

}  // namespace ppl::transforms
