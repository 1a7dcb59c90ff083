#pragma once
// What the plain-loop kernels share: which tensors they read, and the walk over a broadcast
// (each element's offset in every operand).

#include <torch/torch.h>

#include <algorithm>
#include <vector>

namespace ppl::dist::kernels {

/// Whether plain loops can read `tensors`' data: all on the CPU, of one dtype, float or double.
inline bool cpu_floating_alike(at::ArrayRef<torch::Tensor> tensors) {
  if (tensors.empty()) return false;
  const auto dtype = tensors[0].scalar_type();
  return (dtype == torch::kFloat || dtype == torch::kDouble) &&
         std::all_of(tensors.begin(), tensors.end(), [&](const torch::Tensor& t) {
           return t.device().is_cpu() && t.scalar_type() == dtype;
         });
}

/// The strides that read `t` as if expanded to `shape` (right-aligned; 0 where broadcast).
inline std::vector<int64_t> broadcast_strides(const torch::Tensor& t,
                                              const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 0);
  const int64_t offset = static_cast<int64_t>(shape.size()) - t.dim();
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.size(d) != 1) strides[static_cast<size_t>(offset + d)] = t.stride(d);
  return strides;
}

/// Calls visit(offsets) for each element of `sizes` in row-major order, offsets[s] being the
/// element's offset under `strides[s]`.
template <typename Visit>
void for_each_offset(const std::vector<int64_t>& sizes,
                     const std::vector<std::vector<int64_t>>& strides, Visit visit) {
  const size_t rank = sizes.size(), sets = strides.size();
  std::vector<int64_t> index(rank, 0), offsets(sets, 0);
  const int64_t count = c10::multiply_integers(sizes);
  for (int64_t n = 0; n < count; ++n) {
    visit(offsets.data());
    for (size_t d = rank; d-- > 0;) {  // the odometer's next position
      for (size_t s = 0; s < sets; ++s) offsets[s] += strides[s][d];
      if (++index[d] < sizes[d]) break;
      for (size_t s = 0; s < sets; ++s) offsets[s] -= strides[s][d] * sizes[d];
      index[d] = 0;
    }
  }
}

}  // namespace ppl::dist::kernels
