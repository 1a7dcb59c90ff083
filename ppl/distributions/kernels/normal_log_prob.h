#pragma once
// The speed kernel behind Normal's log_prob.

#include <torch/torch.h>

namespace ppl::dist::kernels {

/// log N(value | loc, scale), elementwise over the broadcast of the three, as one autograd node
/// whose backward is the closed-form gradient (itself differentiable when the backward builds a
/// graph). Small CPU tensors of one floating dtype, each of the broadcast shape or a single
/// value, go through plain loops. No argument checks: Normal::log_prob makes them.
torch::Tensor normal_log_prob(const torch::Tensor& value, const torch::Tensor& loc,
                              const torch::Tensor& scale);

/// log N(value | loc, exp(log_scale)), elementwise over the broadcast of the three, as one
/// autograd node: -z^2 / 2 - log_scale - log(2 pi) / 2 with z = (value - loc) exp(-log_scale),
/// and the gradient z^2 - 1 in log_scale: no division by the scale, no log of it.
torch::Tensor normal_log_prob_from_log_scale(const torch::Tensor& value, const torch::Tensor& loc,
                                             const torch::Tensor& log_scale);

}  // namespace ppl::dist::kernels
