#include "ppl/infer/autoguide/auto_multivariate_normal.h"

#include "ppl/core/primitives.h"
#include "ppl/distributions/multivariate_normal.h"

namespace ppl::infer {

AutoMultivariateNormalImpl::AutoMultivariateNormalImpl(AutoMultivariateNormalOptions options)
    : AutoContinuousImpl(options.name(), options.init_loc_fn()),
      init_scale_(checked_init_scale(options.name(), options.init_scale())) {}

void AutoMultivariateNormalImpl::fix(const AutoGuideImpl& prototype, torch::Tensor loc,
                                     torch::Tensor scale, torch::Tensor unit_scale_tril) {
  set_up_like(prototype);
  fixed_ = Parameters{std::move(loc), std::move(scale), std::move(unit_scale_tril)};
}

AutoMultivariateNormalImpl::Parameters AutoMultivariateNormalImpl::parameters() {
  if (fixed_) return *fixed_;
  auto loc = param(param_name("loc"), init_loc());
  auto scale = param(
      param_name("scale"), [&] { return torch::full_like(init_loc(), init_scale_); },
      constraints::softplus_positive);
  auto unit_scale_tril = param(
      param_name("scale_tril"), [&] { return torch::eye(latent_dim(), init_loc().options()); },
      constraints::unit_lower_cholesky);
  return {loc, scale, unit_scale_tril};
}

torch::Tensor AutoMultivariateNormalImpl::scale_tril() {
  return parameters().scale_tril();
}

std::pair<torch::Tensor, torch::Tensor> AutoMultivariateNormalImpl::loc_and_scale() {
  const auto p = parameters();
  return {p.loc, p.scale_tril().pow(2).sum(-1).sqrt()};
}

std::shared_ptr<const dist::MultivariateNormal> AutoMultivariateNormalImpl::get_posterior() {
  const auto p = parameters();
  return std::make_shared<const dist::MultivariateNormal>(
      dist::MultivariateNormal::from_scale_tril(p.loc, p.scale_tril()));
}

}  // namespace ppl::infer
