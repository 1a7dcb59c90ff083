#include "ppl/infer/kernels/factor_loops.h"

#include "ppl/distributions/kernels/strided_loop.h"

#include <ATen/Dispatch.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ppl::infer::kernels {
namespace {

using dist::kernels::for_each_offset;

constexpr int64_t kSmallFactor = 4096;

/// Sizes of the dims left of `dim`, of it and right of it.
struct Split {
  int64_t outer = 1, size = 1, inner = 1;
};

Split split_at(const torch::Tensor& t, int64_t dim) {
  Split split;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d < dim) split.outer *= t.size(d);
    if (d > dim) split.inner *= t.size(d);
  }
  split.size = t.size(dim);
  return split;
}

std::vector<int64_t> without(c10::IntArrayRef sizes, int64_t dim) {
  std::vector<int64_t> result = sizes.vec();
  result.erase(result.begin() + dim);
  return result;
}

}  // namespace

bool small_factors(const std::vector<torch::Tensor>& tensors, int64_t joint_numel) {
  return joint_numel <= kSmallFactor && dist::kernels::cpu_floating_alike(tensors);
}

torch::Tensor broadcast_sum(const std::vector<torch::Tensor>& parts,
                            const std::vector<std::vector<int64_t>>& strides,
                            const std::vector<int64_t>& sizes) {
  torch::Tensor joint = torch::empty(sizes, parts[0].options());
  AT_DISPATCH_FLOATING_TYPES(joint.scalar_type(), "ppl_broadcast_sum", [&] {
    std::vector<const scalar_t*> data;
    for (const torch::Tensor& part : parts) data.push_back(part.data_ptr<scalar_t>());
    scalar_t* out = joint.data_ptr<scalar_t>();
    for_each_offset(sizes, strides, [&](const int64_t* offsets) {
      scalar_t total = 0;
      for (size_t p = 0; p < data.size(); ++p) total += data[p][offsets[p]];
      *out++ = total;
    });
  });
  return joint;
}

torch::Tensor reduce_along(const torch::Tensor& joint, int64_t dim, bool max) {
  const Split split = split_at(joint, dim);
  torch::Tensor reduced = torch::empty(without(joint.sizes(), dim), joint.options());
  AT_DISPATCH_FLOATING_TYPES(joint.scalar_type(), "ppl_reduce_along", [&] {
    const scalar_t* in = joint.data_ptr<scalar_t>();
    scalar_t* out = reduced.data_ptr<scalar_t>();
    for (int64_t o = 0; o < split.outer; ++o) {
      for (int64_t i = 0; i < split.inner; ++i) {
        const scalar_t* column = in + o * split.size * split.inner + i;
        scalar_t top = -std::numeric_limits<scalar_t>::infinity();
        for (int64_t k = 0; k < split.size; ++k) {
          const scalar_t value = column[k * split.inner];
          if (value > top || std::isnan(value)) top = value;  // NaN propagates, as in torch
        }
        if (!max && std::isfinite(top)) {
          scalar_t total = 0;
          for (int64_t k = 0; k < split.size; ++k) total += std::exp(column[k * split.inner] - top);
          top += std::log(total);
        }
        out[o * split.inner + i] = top;
      }
    }
  });
  return reduced;
}

torch::Tensor logsumexp_gradient(const torch::Tensor& gradient, const torch::Tensor& joint,
                                 const torch::Tensor& reduced, int64_t dim) {
  const Split split = split_at(joint, dim);
  torch::Tensor result = torch::empty_like(joint);
  AT_DISPATCH_FLOATING_TYPES(joint.scalar_type(), "ppl_logsumexp_gradient", [&] {
    const scalar_t *g = gradient.data_ptr<scalar_t>(), *j = joint.data_ptr<scalar_t>(),
                   *r = reduced.data_ptr<scalar_t>();
    scalar_t* out = result.data_ptr<scalar_t>();
    for (int64_t o = 0; o < split.outer; ++o)
      for (int64_t k = 0; k < split.size; ++k)
        for (int64_t i = 0; i < split.inner; ++i) {
          const int64_t at = (o * split.size + k) * split.inner + i, from = o * split.inner + i;
          out[at] = g[from] * std::exp(j[at] - r[from]);
        }
  });
  return result;
}

void scatter_sum(torch::Tensor& target, const std::vector<int64_t>& strides,
                 const torch::Tensor& gradient) {
  AT_DISPATCH_FLOATING_TYPES(target.scalar_type(), "ppl_scatter_sum", [&] {
    scalar_t* out = target.data_ptr<scalar_t>();
    const scalar_t* in = gradient.data_ptr<scalar_t>();
    for_each_offset(gradient.sizes().vec(), {strides},
                    [&](const int64_t* offsets) { out[offsets[0]] += *in++; });
  });
}

}  // namespace ppl::infer::kernels
