#pragma once
// The speed kernels behind Categorical: its normalization and its log_prob, each one autograd
// node; small CPU tensors go through plain loops (an enumerated chain builds thousands of tiny
// Categoricals per step, where tensor ops would cost far more in dispatch than in arithmetic).

#include <torch/torch.h>

#include <utility>

namespace ppl::dist::kernels {

/// probs / probs.sum(-1) and the log of it clamped to [eps, 1 - eps] (the normalized logits),
/// with gradients. No argument checks: Categorical makes them.
std::pair<torch::Tensor, torch::Tensor> normalize_probs(const torch::Tensor& probs);

/// logits[..., value] over `shape`, the broadcast of value's shape and logits' batch shape
/// (logits' last dim holds the categories); std::out_of_range for a value outside [0, K).
torch::Tensor categorical_log_prob(const torch::Tensor& logits, const torch::Tensor& value,
                                   std::vector<int64_t> shape);

}  // namespace ppl::dist::kernels
