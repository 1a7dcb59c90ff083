#pragma once
// The speed kernel behind `sum_scalars` (ppl/core/trace.h).

#include <torch/torch.h>

#include <vector>

namespace ppl::kernels {

/// The sum of 0-dim CPU tensors of one floating dtype as one autograd node that reads the values
/// directly: stack-and-sum would copy each term forward and make a view per term backward. No
/// checks: the caller makes sure of dtype, device and shape.
torch::Tensor sum_of_cpu_scalars(const std::vector<torch::Tensor>& terms);

}  // namespace ppl::kernels
