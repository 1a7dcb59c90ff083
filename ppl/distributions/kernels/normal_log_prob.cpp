#include "ppl/distributions/kernels/normal_log_prob.h"

#include "ppl/distributions/kernels/strided_loop.h"
#include "ppl/distributions/math.h"

#include <ATen/Dispatch.h>
#include <ATen/ExpandUtils.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

namespace ppl::dist::kernels {

namespace {

/// Sites this small, on the CPU, of one floating dtype, are handled by plain loops: for scalar
/// sites the tensor ops would cost far more in dispatch than in arithmetic.
constexpr int64_t kSmallTensor = 64;

/// A broadcast a plain loop can read: its shape, and for each input the step from element to
/// element (1 for a contiguous input of that shape, 0 for one value, maybe expanded).
struct SmallBroadcast {
  at::DimVector shape;
  std::array<int64_t, 3> steps;
};

/// The broadcast of value, loc and scale when plain loops can read it: small CPU tensors of one
/// floating dtype, each contiguous with the broadcast shape or a single value. No heap
/// allocation: scalar sites call this twice per step.
std::optional<SmallBroadcast> small_broadcast(const torch::Tensor& value, const torch::Tensor& loc,
                                              const torch::Tensor& scale) {
  const std::array<const torch::Tensor*, 3> tensors{&value, &loc, &scale};
  if (value.numel() > kSmallTensor || loc.numel() > kSmallTensor || scale.numel() > kSmallTensor ||
      !cpu_floating_alike({value, loc, scale}))
    return std::nullopt;
  SmallBroadcast broadcast{at::DimVector(value.sizes()), {}};
  for (const torch::Tensor* t : tensors) {
    if (!t->sizes().equals(broadcast.shape))
      broadcast.shape = at::infer_size_dimvector(broadcast.shape, t->sizes());
  }
  if (c10::multiply_integers(broadcast.shape) > kSmallTensor) return std::nullopt;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const torch::Tensor& t = *tensors[i];
    const auto strides = t.strides();
    if (t.sizes().equals(broadcast.shape) && t.is_contiguous())
      broadcast.steps[i] = 1;
    else if (t.numel() == 1 || std::all_of(strides.begin(), strides.end(),
                                           [](int64_t stride) { return stride == 0; }))
      broadcast.steps[i] = 0;
    else
      return std::nullopt;
  }
  return broadcast;
}

/// The gradient of `input`, from per-element gradients of the broadcast
/// shape: those themselves for an input of that shape, their sum for a single value.
torch::Tensor small_input_gradient(const torch::Tensor& per_element, const torch::Tensor& input) {
  if (input.sizes().equals(per_element.sizes())) return per_element;
  return per_element.sum().reshape(input.sizes());
}

/// log N(value | loc, scale) as one autograd node: the forward records none of its elementwise
/// ops, and the backward is the closed-form gradient (itself differentiable when the backward
/// builds a graph).
struct NormalLogProb : torch::autograd::Function<NormalLogProb> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& value,
                               const torch::Tensor& loc, const torch::Tensor& scale) {
    if (auto small = small_broadcast(value, loc, scale)) {  // z is recomputed later
      const auto& in = small->steps;
      torch::Tensor log_prob = torch::empty(small->shape, value.options());
      AT_DISPATCH_FLOATING_TYPES(value.scalar_type(), "ppl_normal_log_prob", [&] {
        const scalar_t *v = value.data_ptr<scalar_t>(), *l = loc.data_ptr<scalar_t>(),
                       *s = scale.data_ptr<scalar_t>();
        scalar_t* lp = log_prob.data_ptr<scalar_t>();
        for (int64_t i = 0; i < log_prob.numel(); ++i) {
          const scalar_t z = (v[i * in[0]] - l[i * in[1]]) / s[i * in[2]];
          lp[i] = scalar_t(-0.5) * z * z - std::log(s[i * in[2]]) - scalar_t(kHalfLog2Pi);
        }
      });
      ctx->save_for_backward({value, loc, scale});
      return log_prob;
    }
    const torch::Tensor z = (value - loc) / scale;
    ctx->save_for_backward({value, loc, scale, z});
    return z.square().mul_(-0.5).sub_(scale.log()).sub_(kHalfLog2Pi);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& grad = grad_outputs[0];
    const bool want_value = ctx->needs_input_grad(0), want_loc = ctx->needs_input_grad(1),
               want_scale = ctx->needs_input_grad(2);
    torch::Tensor grad_value, grad_loc, grad_scale;
    const auto& value = saved[0];
    const auto& loc = saved[1];
    const auto& scale = saved[2];
    // A backward that builds a graph (create_graph, as for a Hessian) takes the tensor-op path
    // with z recomputed from the inputs, so the gradient has gradients of its own.
    const bool differentiable = torch::GradMode::is_enabled();
    if (saved.size() == 3 && !differentiable) {  // small: per-element gradients by a loop
      const auto in = small_broadcast(value, loc, scale)->steps;
      const torch::Tensor dense_grad = grad.contiguous();  // a sum's gradient is an expanded view
      auto per_element = [&](bool wanted) {
        return wanted ? torch::empty_like(dense_grad) : torch::Tensor();
      };
      const torch::Tensor grad_v = per_element(want_value), grad_l = per_element(want_loc),
                          grad_s = per_element(want_scale);
      AT_DISPATCH_FLOATING_TYPES(value.scalar_type(), "ppl_normal_log_prob_backward", [&] {
        const scalar_t *g = dense_grad.data_ptr<scalar_t>(), *v = value.data_ptr<scalar_t>(),
                       *l = loc.data_ptr<scalar_t>(), *s = scale.data_ptr<scalar_t>();
        for (int64_t i = 0; i < dense_grad.numel(); ++i) {
          const scalar_t si = s[i * in[2]];
          const scalar_t z = (v[i * in[0]] - l[i * in[1]]) / si;
          const scalar_t grad_z = g[i] * z / si;  // d log_prob / d loc
          if (want_value) grad_v.data_ptr<scalar_t>()[i] = -grad_z;
          if (want_loc) grad_l.data_ptr<scalar_t>()[i] = grad_z;
          if (want_scale) grad_s.data_ptr<scalar_t>()[i] = g[i] * (z * z - 1) / si;
        }
      });
      if (want_value) grad_value = small_input_gradient(grad_v, value);
      if (want_loc) grad_loc = small_input_gradient(grad_l, loc);
      if (want_scale) grad_scale = small_input_gradient(grad_s, scale);
      return {grad_value, grad_loc, grad_scale};
    }
    const auto z = differentiable ? (value - loc) / scale : saved[3];
    if (want_value || want_loc) {
      const auto grad_z = grad * z / scale;  // d log_prob / d loc
      if (want_value) grad_value = at::sum_to(-grad_z, value.sizes());
      if (want_loc) grad_loc = at::sum_to(grad_z, loc.sizes());
    }
    if (want_scale) grad_scale = at::sum_to(grad * (z.square() - 1) / scale, scale.sizes());
    return {grad_value, grad_loc, grad_scale};
  }
};

/// log N(value | loc, exp(log_scale)) as one autograd node, by tensor ops (network heads are
/// large tensors).
struct NormalLogProbFromLogScale : torch::autograd::Function<NormalLogProbFromLogScale> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& value,
                               const torch::Tensor& loc, const torch::Tensor& log_scale) {
    const torch::Tensor inverse_scale = (-log_scale).exp();
    const torch::Tensor z = (value - loc) * inverse_scale;
    ctx->save_for_backward({value, loc, log_scale, z, inverse_scale});
    return z.square().mul_(-0.5).sub_(log_scale).sub_(kHalfLog2Pi);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& grad = grad_outputs[0];
    const auto& value = saved[0];
    const auto& loc = saved[1];
    const auto& log_scale = saved[2];
    // A backward that builds a graph recomputes z from the inputs, so that it has gradients.
    const bool differentiable = torch::GradMode::is_enabled();
    const auto inverse_scale = differentiable ? (-log_scale).exp() : saved[4];
    const auto z = differentiable ? (value - loc) * inverse_scale : saved[3];
    torch::Tensor grad_value, grad_loc, grad_log_scale;
    if (ctx->needs_input_grad(0) || ctx->needs_input_grad(1)) {
      const auto grad_z = grad * z * inverse_scale;  // d log_prob / d loc
      if (ctx->needs_input_grad(0)) grad_value = at::sum_to(-grad_z, value.sizes());
      if (ctx->needs_input_grad(1)) grad_loc = at::sum_to(grad_z, loc.sizes());
    }
    if (ctx->needs_input_grad(2))
      grad_log_scale = at::sum_to(grad * (z.square() - 1), log_scale.sizes());
    return {grad_value, grad_loc, grad_log_scale};
  }
};

}  // namespace

torch::Tensor normal_log_prob_from_log_scale(const torch::Tensor& value, const torch::Tensor& loc,
                                             const torch::Tensor& log_scale) {
  return NormalLogProbFromLogScale::apply(value, loc, log_scale);
}

torch::Tensor normal_log_prob(const torch::Tensor& value, const torch::Tensor& loc,
                              const torch::Tensor& scale) {
  return NormalLogProb::apply(value, loc, scale);
}

}  // namespace ppl::dist::kernels
