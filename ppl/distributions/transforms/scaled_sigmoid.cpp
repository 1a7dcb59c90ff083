#include "ppl/distributions/transforms/scaled_sigmoid.h"

#include "ppl/distributions/finfo.h"
#include "ppl/distributions/transforms/sigmoid.h"

#include <ATen/Dispatch.h>
#include <fmt/format.h>

#include <cmath>

namespace ppl::transforms {
namespace {

/// Tensors with at most this many elements (contiguous, on the CPU, float or double) go through
/// plain loops: for a scalar site the tensor ops would cost far more in dispatch than in work.
constexpr int64_t kSmallTensor = 64;

bool is_small(const torch::Tensor& x) {
  return x.numel() <= kSmallTensor && x.device().is_cpu() && x.is_contiguous() &&
         (x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble);
}

/// (y, log|dy/dx|) as one autograd node: dy/dx = width s (1 - s) and
/// d log|dy/dx| / dx = 1 - 2 s, with s = sigmoid(x).
struct ScaledSigmoidWithJacobian : torch::autograd::Function<ScaledSigmoidWithJacobian> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const torch::Tensor& x, double low, double width) {
    ctx->save_for_backward({x});
    ctx->saved_data["width"] = width;
    auto y = torch::empty_like(x), log_jacobian = torch::empty_like(x);
    const auto info = dist::finfo(x.scalar_type());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "ppl_scaled_sigmoid", [&] {
      const scalar_t* in = x.data_ptr<scalar_t>();
      scalar_t *out = y.data_ptr<scalar_t>(), *log_j = log_jacobian.data_ptr<scalar_t>();
      const scalar_t log_width = std::log(static_cast<scalar_t>(width));
      for (int64_t i = 0; i < x.numel(); ++i) {
        const scalar_t s = scalar_t(1) / (scalar_t(1) + std::exp(-in[i]));
        const scalar_t clipped = std::min(std::max(s, scalar_t(info.tiny)), scalar_t(1 - info.eps));
        out[i] = static_cast<scalar_t>(low) + static_cast<scalar_t>(width) * clipped;
        // softplus(x) + softplus(-x) = |x| + 2 log1p(exp(-|x|)).
        log_j[i] = log_width - std::abs(in[i]) - 2 * std::log1p(std::exp(-std::abs(in[i])));
      }
    });
    return {y, log_jacobian};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto x = ctx->get_saved_variables()[0];
    const double width = ctx->saved_data["width"].toDouble();
    const auto s = x.sigmoid();  // differentiable when the backward builds a graph
    torch::Tensor grad = torch::zeros_like(x);
    if (grads[0].defined()) grad = grad + grads[0] * width * s * (1 - s);
    if (grads[1].defined()) grad = grad + grads[1] * (1 - 2 * s);
    return {grad, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

ScaledSigmoid::ScaledSigmoid(double low, double high) : low_(low), high_(high) {
  if (!(low < high))
    throw std::invalid_argument(
        fmt::format("ScaledSigmoid: needs low < high, got ({}, {})", low, high));
}

std::string ScaledSigmoid::name() const {
  return fmt::format("ScaledSigmoid({}, {})", low_, high_);
}

torch::Tensor ScaledSigmoid::forward(const torch::Tensor& x) const {
  const auto s = clipped_sigmoid(x);
  if (low_ == 0 && high_ == 1) return s;
  return s * (high_ - low_) + low_;
}

torch::Tensor ScaledSigmoid::inverse(const torch::Tensor& y) const {
  return Sigmoid().inverse((y - low_) / (high_ - low_));
}

torch::Tensor ScaledSigmoid::log_abs_det_jacobian(const torch::Tensor& x,
                                                  const torch::Tensor&) const {
  return std::log(high_ - low_) - at::softplus(x) - at::softplus(-x);
}

std::pair<torch::Tensor, torch::Tensor> ScaledSigmoid::forward_with_log_abs_det_jacobian(
    const torch::Tensor& x) const {
  if (!is_small(x)) return Transform::forward_with_log_abs_det_jacobian(x);
  auto outputs = ScaledSigmoidWithJacobian::apply(x, low_, high_ - low_);
  return {outputs[0], outputs[1]};
}

constraints::ConstraintPtr ScaledSigmoid::codomain() const {
  return constraints::interval(low_, high_);
}

bool ScaledSigmoid::equals(const Transform& other) const {
  auto* same = dynamic_cast<const ScaledSigmoid*>(&other);
  return same && same->low_ == low_ && same->high_ == high_;
}

}  // namespace ppl::transforms
