#pragma once
// Constants and numerically careful functions that several densities share.

#include <c10/util/MathConstants.h>
#include <torch/types.h>

#include <cmath>

namespace ppl::dist {

inline constexpr double kPi = c10::pi<double>;
inline const double kLog2 = std::log(2.0);
inline constexpr double kEulerGamma = 0.57721566490153286060651209008240243;
inline const double kLog2Pi = std::log(2 * kPi);
inline const double kHalfLog2Pi = 0.5 * kLog2Pi;

/// log(1 + exp(x)) without overflow and without the linear threshold of at::softplus; its
/// gradient at 0 is 1/2.
inline torch::Tensor log1p_exp(const torch::Tensor& x) {
  const auto positive_part = (x.clamp_min(0) + x - x.clamp_max(0)) / 2;
  return positive_part + (-x.abs()).exp().log1p();
}

}  // namespace ppl::dist
