#include "ppl/distributions/kernels/normal_log_prob.h"

#include "ppl/distributions/math.h"

#include <ATen/Dispatch.h>

#include <cmath>

namespace ppl::dist::kernels {

namespace {

/// Tensors with at most this many elements, all on the CPU, contiguous, of one floating dtype
/// and one shape, are handled by plain loops: for scalar sites the tensor ops would cost far
/// more in dispatch than in arithmetic.
constexpr int64_t kSmallTensor = 64;

bool small_alike(std::initializer_list<const torch::Tensor*> tensors) {
  const torch::Tensor& first = **tensors.begin();
  if (first.numel() > kSmallTensor || !first.device().is_cpu() ||
      (first.scalar_type() != torch::kFloat && first.scalar_type() != torch::kDouble))
    return false;
  for (const torch::Tensor* t : tensors) {
    if (!t->device().is_cpu() || t->scalar_type() != first.scalar_type() ||
        !t->sizes().equals(first.sizes()) || !t->is_contiguous())
      return false;
  }
  return true;
}

/// log N(value | loc, scale) as one autograd node: the forward records none of its elementwise
/// ops, and the backward is the closed-form gradient (itself differentiable when the backward
/// builds a graph).
struct NormalLogProb : torch::autograd::Function<NormalLogProb> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& value,
                               const torch::Tensor& loc, const torch::Tensor& scale) {
    if (small_alike({&value, &loc, &scale})) {  // one output, no temporaries: z is recomputed
      torch::Tensor log_prob = torch::empty_like(value);
      AT_DISPATCH_FLOATING_TYPES(value.scalar_type(), "ppl_normal_log_prob", [&] {
        const scalar_t *v = value.data_ptr<scalar_t>(), *l = loc.data_ptr<scalar_t>(),
                       *s = scale.data_ptr<scalar_t>();
        scalar_t* lp = log_prob.data_ptr<scalar_t>();
        for (int64_t i = 0; i < value.numel(); ++i) {
          const scalar_t z = (v[i] - l[i]) / s[i];
          lp[i] = scalar_t(-0.5) * z * z - std::log(s[i]) - scalar_t(kHalfLog2Pi);
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
    if (saved.size() == 3 && !differentiable) {  // small: value, loc, scale, grad of one shape
      if (want_value) grad_value = torch::empty_like(value);
      if (want_loc) grad_loc = torch::empty_like(value);
      if (want_scale) grad_scale = torch::empty_like(value);
      const torch::Tensor dense_grad = grad.contiguous();  // a sum's gradient is an expanded view
      AT_DISPATCH_FLOATING_TYPES(value.scalar_type(), "ppl_normal_log_prob_backward", [&] {
        const scalar_t *g = dense_grad.data_ptr<scalar_t>(), *v = value.data_ptr<scalar_t>(),
                       *l = loc.data_ptr<scalar_t>(), *s = scale.data_ptr<scalar_t>();
        for (int64_t i = 0; i < value.numel(); ++i) {
          const scalar_t z = (v[i] - l[i]) / s[i];
          const scalar_t grad_z = g[i] * z / s[i];
          if (want_value) grad_value.data_ptr<scalar_t>()[i] = -grad_z;
          if (want_loc) grad_loc.data_ptr<scalar_t>()[i] = grad_z;
          if (want_scale) grad_scale.data_ptr<scalar_t>()[i] = g[i] * (z * z - 1) / s[i];
        }
      });
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

}  // namespace

torch::Tensor normal_log_prob(const torch::Tensor& value, const torch::Tensor& loc,
                              const torch::Tensor& scale) {
  return NormalLogProb::apply(value, loc, scale);
}

}  // namespace ppl::dist::kernels
