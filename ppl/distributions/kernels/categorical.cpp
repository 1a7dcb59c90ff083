#include "ppl/distributions/kernels/categorical.h"

#include "ppl/distributions/finfo.h"
#include "ppl/distributions/kernels/strided_loop.h"

#include <ATen/Dispatch.h>
#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist::kernels {
namespace {

constexpr int64_t kSmallCategorical = 256;

bool small_cpu_floating(const torch::Tensor& t) {
  return t.numel() <= kSmallCategorical && cpu_floating_alike(t);
}

/// Calls visit(value_offset, logits_offset) for each element of the broadcast `shape` of
/// `value` and the batch part of `logits`, in row-major order; logits_offset points at
/// category 0.
template <typename Visit>
void for_each_broadcast_element(const torch::Tensor& value, const torch::Tensor& logits,
                                const std::vector<int64_t>& shape, Visit visit) {
  std::vector<int64_t> batch_and_category = shape;
  batch_and_category.push_back(logits.size(-1));
  std::vector<int64_t> logits_strides = broadcast_strides(logits, batch_and_category);
  logits_strides.pop_back();
  for_each_offset(shape, {broadcast_strides(value, shape), logits_strides},
                  [&](const int64_t* offsets) { visit(offsets[0], offsets[1]); });
}

int64_t checked_category(int64_t category, int64_t num_categories) {
  if (category < 0 || category >= num_categories)
    throw std::out_of_range(fmt::format(
        "Categorical.log_prob: value {} is outside the support [0, {})", category, num_categories));
  return category;
}

struct NormalizeProbs : torch::autograd::Function<NormalizeProbs> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const torch::Tensor& probs) {
    const torch::Tensor dense = probs.contiguous();
    torch::Tensor normalized = torch::empty_like(dense), logits = torch::empty_like(dense);
    const int64_t k = dense.size(-1);
    const double eps = finfo(dense.scalar_type()).eps;
    AT_DISPATCH_FLOATING_TYPES(dense.scalar_type(), "ppl_normalize_probs", [&] {
      const scalar_t* p = dense.data_ptr<scalar_t>();
      scalar_t *q = normalized.data_ptr<scalar_t>(), *l = logits.data_ptr<scalar_t>();
      for (int64_t row = 0; row < dense.numel(); row += k) {
        scalar_t total = 0;
        for (int64_t j = row; j < row + k; ++j) total += p[j];
        for (int64_t j = row; j < row + k; ++j) {
          q[j] = p[j] / total;
          l[j] = std::log(std::min(std::max(q[j], scalar_t(eps)), scalar_t(1 - eps)));
        }
      }
    });
    ctx->save_for_backward({dense});
    return {normalized, logits};
  }

  /// With q = p / S and l = log clamp(q): dL/dp_i = (h_i - sum_j h_j q_j) / S, where
  /// h = dL/dq + dL/dl / q where the clamp passes q, else dL/dq.
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor p_tensor = ctx->get_saved_variables()[0];
    if (torch::GradMode::is_enabled()) {  // a backward that builds a graph: tensor ops
      const torch::Tensor total = p_tensor.sum(-1, /*keepdim=*/true);
      const torch::Tensor q = p_tensor / total;
      const double eps = finfo(p_tensor.scalar_type()).eps;
      torch::Tensor h = grads[0].defined() ? grads[0] : torch::zeros_like(q);
      if (grads[1].defined())
        h = h + at::where((q >= eps) & (q <= 1 - eps), grads[1] / q, torch::zeros_like(q));
      return {(h - (h * q).sum(-1, /*keepdim=*/true)) / total};
    }
    const torch::Tensor grad_q = grads[0].defined() ? grads[0].contiguous() : torch::Tensor();
    const torch::Tensor grad_l = grads[1].defined() ? grads[1].contiguous() : torch::Tensor();
    torch::Tensor grad_p = torch::empty_like(p_tensor);
    const int64_t k = p_tensor.size(-1);
    const double eps = finfo(p_tensor.scalar_type()).eps;
    AT_DISPATCH_FLOATING_TYPES(p_tensor.scalar_type(), "ppl_normalize_probs_backward", [&] {
      const scalar_t* p = p_tensor.data_ptr<scalar_t>();
      const scalar_t* gq = grad_q.defined() ? grad_q.data_ptr<scalar_t>() : nullptr;
      const scalar_t* gl = grad_l.defined() ? grad_l.data_ptr<scalar_t>() : nullptr;
      scalar_t* gp = grad_p.data_ptr<scalar_t>();
      for (int64_t row = 0; row < p_tensor.numel(); row += k) {
        scalar_t total = 0;
        for (int64_t j = row; j < row + k; ++j) total += p[j];
        scalar_t weighted = 0;  // sum_j h_j q_j
        for (int64_t j = row; j < row + k; ++j) {
          const scalar_t q = p[j] / total;
          scalar_t h = gq ? gq[j] : scalar_t(0);
          if (gl && q >= scalar_t(eps) && q <= scalar_t(1 - eps)) h += gl[j] / q;
          gp[j] = h;
          weighted += h * q;
        }
        for (int64_t j = row; j < row + k; ++j) gp[j] = (gp[j] - weighted) / total;
      }
    });
    return {grad_p};
  }
};

struct CategoricalLogProb : torch::autograd::Function<CategoricalLogProb> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& logits,
                               const torch::Tensor& value, const std::vector<int64_t>& shape) {
    torch::Tensor log_prob = torch::empty(shape, logits.options());
    const int64_t k = logits.size(-1), category_stride = logits.stride(-1);
    AT_DISPATCH_FLOATING_TYPES(logits.scalar_type(), "ppl_categorical_log_prob", [&] {
      const scalar_t* l = logits.data_ptr<scalar_t>();
      const int64_t* v = value.data_ptr<int64_t>();
      scalar_t* out = log_prob.data_ptr<scalar_t>();
      for_each_broadcast_element(value, logits, shape, [&](int64_t vo, int64_t lo) {
        *out++ = l[lo + checked_category(v[vo], k) * category_stride];
      });
    });
    ctx->save_for_backward({value});
    ctx->saved_data["logits_shape"] = logits.sizes();
    return log_prob;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor value = ctx->get_saved_variables()[0];
    const std::vector<int64_t> logits_shape = ctx->saved_data["logits_shape"].toIntVector();
    if (torch::GradMode::is_enabled()) {  // a backward that builds a graph: tensor ops
      const torch::Tensor picked =
          torch::one_hot(value.expand(grads[0].sizes()), logits_shape.back())
              .to(grads[0].scalar_type());
      return {at::sum_to(picked * grads[0].unsqueeze(-1), logits_shape), torch::Tensor(),
              torch::Tensor()};
    }
    const torch::Tensor grad = grads[0].contiguous();
    torch::Tensor grad_logits = torch::zeros(logits_shape, grad.options());
    const int64_t category_stride = grad_logits.stride(-1);
    AT_DISPATCH_FLOATING_TYPES(grad.scalar_type(), "ppl_categorical_log_prob_backward", [&] {
      const scalar_t* g = grad.data_ptr<scalar_t>();
      const int64_t* v = value.data_ptr<int64_t>();
      scalar_t* gl = grad_logits.data_ptr<scalar_t>();
      for_each_broadcast_element(
          value, grad_logits, grad.sizes().vec(),
          [&](int64_t vo, int64_t lo) { gl[lo + v[vo] * category_stride] += *g++; });
    });
    return {grad_logits, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

std::pair<torch::Tensor, torch::Tensor> normalize_probs(const torch::Tensor& probs) {
  if (small_cpu_floating(probs) && probs.size(-1) > 0) {
    auto outputs = NormalizeProbs::apply(probs);
    return {outputs[0], outputs[1]};
  }
  torch::Tensor normalized = probs / probs.sum(-1, /*keepdim=*/true);
  torch::Tensor logits = clamp_probs(normalized).log();
  return {std::move(normalized), std::move(logits)};
}

torch::Tensor categorical_log_prob(const torch::Tensor& logits, const torch::Tensor& value,
                                   std::vector<int64_t> shape) {
  if (small_cpu_floating(logits) && value.device().is_cpu() &&
      value.scalar_type() == torch::kLong && value.numel() <= kSmallCategorical)
    return CategoricalLogProb::apply(logits, value, shape);
  auto index = value.to(c10::kLong).unsqueeze(-1);
  shape.push_back(logits.size(-1));
  auto log_pmf = logits.expand(shape);
  shape.back() = 1;
  return log_pmf.gather(-1, index.expand(shape)).squeeze(-1);
}

}  // namespace ppl::dist::kernels
