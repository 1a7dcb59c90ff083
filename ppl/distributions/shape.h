#pragma once
// Shape helpers shared by distributions, handlers and inference.

#include <torch/torch.h>

#include <optional>
#include <string>
#include <vector>

namespace ppl::dist {

using Shape = std::vector<int64_t>;

/// Shape as text: "(3, 4)".
std::string shape_str(c10::IntArrayRef shape);
/// The multi-index of the first true element of a boolean tensor, or nullopt when none is.
std::optional<std::vector<int64_t>> first_true_index(const torch::Tensor& flags);
/// The broadcast of two shapes, or std::invalid_argument naming `what`.
Shape broadcast_shapes(c10::IntArrayRef a, c10::IntArrayRef b, const std::string& what);
/// `tensor` summed over its rightmost `n` dims (log-densities over event dims).
torch::Tensor sum_rightmost(const torch::Tensor& tensor, int64_t n);
/// `shape` without its rightmost `n` dims.
Shape drop_rightmost(c10::IntArrayRef shape, int64_t n);

}  // namespace ppl::dist
