#include "ppl/distributions/shape.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

namespace ppl::dist {

std::string shape_str(c10::IntArrayRef shape) {
  return fmt::format("({})", fmt::join(shape, ", "));
}

std::optional<std::vector<int64_t>> first_true_index(const torch::Tensor& flags) {
  const auto flat = flags.reshape(-1).nonzero();
  if (flat.numel() == 0) return std::nullopt;
  int64_t offset = flat[0][0].item<int64_t>();
  std::vector<int64_t> index(flags.dim());
  for (int64_t d = flags.dim() - 1; d >= 0; --d) {
    index[d] = offset % flags.size(d);
    offset /= flags.size(d);
  }
  return index;
}

torch::Tensor sum_rightmost(const torch::Tensor& tensor, int64_t n) {
  if (n == 0) return tensor;
  std::vector<int64_t> dims(n);
  for (int64_t i = 0; i < n; ++i) dims[i] = -1 - i;
  return tensor.sum(dims);
}

Shape drop_rightmost(c10::IntArrayRef shape, int64_t n) {
  return Shape(shape.begin(), shape.end() - std::min<int64_t>(n, shape.size()));
}

Shape broadcast_shapes(c10::IntArrayRef a, c10::IntArrayRef b, const std::string& what) {
  const size_t ndim = std::max(a.size(), b.size());
  Shape shape(ndim);
  for (size_t i = 0; i < ndim; ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      throw std::invalid_argument(fmt::format("{}: shapes {} and {} are not broadcastable", what,
                                              shape_str(a), shape_str(b)));
    }
    shape[ndim - 1 - i] = da == 1 ? db : da;
  }
  return shape;
}

}  // namespace ppl::dist
