#include "ppl/core/kernels/sum_of_cpu_scalars.h"

#include <ATen/Dispatch.h>

namespace ppl::kernels {
namespace {

struct SumOfCpuScalars : torch::autograd::Function<SumOfCpuScalars> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, at::TensorList terms) {
    ctx->saved_data["count"] = static_cast<int64_t>(terms.size());
    torch::Tensor total = torch::empty({}, terms[0].options());
    AT_DISPATCH_FLOATING_TYPES(total.scalar_type(), "ppl_sum_scalars", [&] {
      double sum = 0;
      for (const torch::Tensor& term : terms) sum += *term.data_ptr<scalar_t>();
      *total.data_ptr<scalar_t>() = static_cast<scalar_t>(sum);
    });
    return total;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    // Every term gets the same gradient; autograd copies it before accumulating in place.
    return torch::autograd::variable_list(ctx->saved_data["count"].toInt(), grad_outputs[0]);
  }
};

}  // namespace

torch::Tensor sum_of_cpu_scalars(const std::vector<torch::Tensor>& terms) {
  return SumOfCpuScalars::apply(at::TensorList(terms));
}

}  // namespace ppl::kernels
