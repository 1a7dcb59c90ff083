#pragma once
// Floating-point limits per dtype (Python's `torch.finfo`) and probability clamping.

#include <torch/torch.h>

namespace ppl::dist {

/// Limits of a floating dtype, as `torch.finfo`.
struct FloatInfo {
  double eps;   ///< distance from 1 to the next representable value
  double tiny;  ///< smallest positive normal value
  double min;   ///< most negative finite value
  double max;   ///< largest finite value
};

/// `torch.finfo(dtype)`; std::invalid_argument for non-floating dtypes.
FloatInfo finfo(c10::ScalarType dtype);

/// `probs` clamped to [eps, 1 - eps] of its dtype, so logs and logits stay finite.
inline torch::Tensor clamp_probs(const torch::Tensor& probs) {
  const double eps = finfo(probs.scalar_type()).eps;
  return probs.clamp(eps, 1 - eps);
}

}  // namespace ppl::dist
