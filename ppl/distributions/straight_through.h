#pragma once
// The straight-through estimator shared by the relaxed distributions' StraightThrough variants.

#include <torch/torch.h>

namespace ppl::dist::detail {

/// How a relaxed value becomes a discrete one.
enum class Quantization { round, one_hot };

/// `soft` rounded (or made one-hot along the last dim) in the forward pass, with the gradient of
/// `soft` in the backward pass. The result remembers `soft` (Pyro's `_unquantize`) for
/// `unquantize` while it is alive.
torch::Tensor straight_through(const torch::Tensor& soft, Quantization quantization);

/// The soft value a `straight_through` result came from, or `value` itself.
torch::Tensor unquantize(const torch::Tensor& value);

}  // namespace ppl::dist::detail
