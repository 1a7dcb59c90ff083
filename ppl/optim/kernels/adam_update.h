#pragma once
// The speed kernel behind Adam's and ClippedAdam's update.

#include <torch/torch.h>

namespace ppl::optim::kernels {

/// In place: exp_avg = beta1 exp_avg + (1 - beta1) grad, exp_avg_sq = beta2 exp_avg_sq +
/// (1 - beta2) grad^2, param -= step_size exp_avg / (sqrt(exp_avg_sq) + eps). Small contiguous
/// CPU parameters (float or double) go through a plain loop; the rest through tensor ops.
void adam_update(const torch::Tensor& param, const torch::Tensor& grad, torch::Tensor& exp_avg,
                 torch::Tensor& exp_avg_sq, double beta1, double beta2, double step_size,
                 double eps);

}  // namespace ppl::optim::kernels
