#include "ppl/infer/autoguide/auto_laplace_approximation.h"

#include "ppl/core/primitives.h"
#include "ppl/distributions/delta.h"
#include "ppl/params/param_store.h"

#include <fmt/format.h>

namespace ppl::infer {

AutoLaplaceApproximationImpl::AutoLaplaceApproximationImpl(AutoLaplaceApproximationOptions options)
    : AutoContinuousImpl(options.name(), options.init_loc_fn()) {}

torch::Tensor AutoLaplaceApproximationImpl::loc() const {
  return param(param_name("loc"), init_loc());
}

std::shared_ptr<const dist::Delta> AutoLaplaceApproximationImpl::get_posterior() {
  return std::make_shared<const dist::Delta>(loc(), torch::Tensor(), 1);
}

std::pair<torch::Tensor, torch::Tensor> AutoLaplaceApproximationImpl::loc_and_scale() {
  auto point = loc();
  return {point, torch::zeros_like(point)};
}

std::shared_ptr<AutoMultivariateNormalImpl> AutoLaplaceApproximationImpl::laplace_approximation(
    const Program& model) {
  setup(model);
  const Program guide = [&] { run(model); };
  TracePair traces = get_traces(model, guide);
  const auto loss = traces.guide.log_prob_sum() - traces.model.log_prob_sum();
  const torch::Tensor& point = param_store().unconstrained(param_name("loc"));  // the leaf
  const auto h = hessian(loss, point);
  torch::NoGradGuard no_grad;
  const auto [factor, info] = at::linalg_cholesky_ex(h);
  if (info.item<int64_t>() != 0)
    throw std::runtime_error(fmt::format(
        "{}: the Hessian of the negative log joint at loc is not positive definite; fit the "
        "guide to a maximum first",
        name()));
  const auto covariance = at::cholesky_inverse(factor);
  const auto scale = covariance.diagonal().sqrt();
  const auto correlation = covariance / scale.unsqueeze(-1) / scale.unsqueeze(0);
  auto gaussian = std::make_shared<AutoMultivariateNormalImpl>(
      AutoMultivariateNormalOptions().name(name() + ".laplace"));
  gaussian->fix(*this, point.detach().clone(), scale, at::linalg_cholesky(correlation));
  return gaussian;
}

torch::Tensor hessian(const torch::Tensor& output, const torch::Tensor& input) {
  const auto gradient =
      torch::autograd::grad({output}, {input}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0]
          .reshape(-1);
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < gradient.numel(); ++i) {
    const auto row = torch::autograd::grad({gradient[i]}, {input}, {}, /*retain_graph=*/true,
                                           /*create_graph=*/false, /*allow_unused=*/true)[0];
    rows.push_back(row.defined() ? row.reshape(-1) : torch::zeros_like(gradient));
  }
  return torch::stack(rows);
}

}  // namespace ppl::infer
