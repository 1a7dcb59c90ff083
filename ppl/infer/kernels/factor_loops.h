#pragma once
// Plain loops for the small log-space factors of an enumerated chain (a K x K table per step):
// the combining sum, the reduction and their gradients, without the dispatch of tensor ops, which
// costs far more than the arithmetic at this size. The caller lays out each operand over the
// joint's dims by strides (0 along a dim the operand lacks).

#include <torch/torch.h>

#include <vector>

namespace ppl::infer::kernels {

/// Whether plain loops take these tensors: all on the CPU, of one floating dtype, and a joint of
/// at most a few thousand elements.
bool small_factors(const std::vector<torch::Tensor>& tensors, int64_t joint_numel);

/// A contiguous tensor of `sizes` with element i the sum over `parts` of their element at i
/// (`strides[p]` lays part p over the joint's dims).
torch::Tensor broadcast_sum(const std::vector<torch::Tensor>& parts,
                            const std::vector<std::vector<int64_t>>& strides,
                            const std::vector<int64_t>& sizes);

/// The logsumexp (or, with `max`, the max) of contiguous `joint` along `dim`, contiguous.
torch::Tensor reduce_along(const torch::Tensor& joint, int64_t dim, bool max);

/// The gradient of joint from that of its logsumexp along `dim`: gradient[i without dim] *
/// exp(joint[i] - reduced[i without dim]); all contiguous.
torch::Tensor logsumexp_gradient(const torch::Tensor& gradient, const torch::Tensor& joint,
                                 const torch::Tensor& reduced, int64_t dim);

/// Adds contiguous `gradient` (over the joint's dims) into contiguous `target` laid over them by
/// `strides`: elements of the joint that map to one element of target are summed.
void scatter_sum(torch::Tensor& target, const std::vector<int64_t>& strides,
                 const torch::Tensor& gradient);

}  // namespace ppl::infer::kernels
