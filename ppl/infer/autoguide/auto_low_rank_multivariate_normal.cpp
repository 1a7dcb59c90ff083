#include "ppl/infer/autoguide/auto_low_rank_multivariate_normal.h"

#include "ppl/core/generator.h"
#include "ppl/core/primitives.h"
#include "ppl/distributions/lowrank_multivariate_normal.h"

#include <fmt/format.h>

#include <cmath>

namespace ppl::infer {

AutoLowRankMultivariateNormalImpl::AutoLowRankMultivariateNormalImpl(
    AutoLowRankMultivariateNormalOptions options)
    : AutoContinuousImpl(options.name(), options.init_loc_fn()),
      init_scale_(checked_init_scale(options.name(), options.init_scale())),
      rank_(options.rank()) {
  if (rank_ && *rank_ < 1)
    throw std::invalid_argument(fmt::format("{}: rank must be > 0, got {}", name(), *rank_));
}

void AutoLowRankMultivariateNormalImpl::on_setup() {
  AutoContinuousImpl::on_setup();
  if (!rank_) rank_ = std::max<int64_t>(1, std::lround(std::sqrt(latent_dim())));
}

int64_t AutoLowRankMultivariateNormalImpl::rank() const {
  require_setup();
  return *rank_;
}

AutoLowRankMultivariateNormalImpl::Parameters AutoLowRankMultivariateNormalImpl::parameters() {
  auto loc = param(param_name("loc"), init_loc());
  auto scale = param(
      param_name("scale"),
      [&] { return torch::full_like(init_loc(), std::sqrt(0.5) * init_scale_); },
      constraints::softplus_positive);
  auto cov_factor = param(param_name("cov_factor"), [&] {
    const double sd = 1.0 / std::sqrt(static_cast<double>(*rank_));
    return torch::randn({latent_dim(), *rank_}, current_generator(), init_loc().options()) * sd;
  });
  return {loc, scale, cov_factor};
}

std::pair<torch::Tensor, torch::Tensor> AutoLowRankMultivariateNormalImpl::loc_and_scale() {
  const auto p = parameters();
  return {p.loc, p.scale * (p.cov_factor.pow(2).sum(-1) + 1).sqrt()};
}

std::shared_ptr<const dist::LowRankMultivariateNormal>
AutoLowRankMultivariateNormalImpl::get_posterior() {
  const auto p = parameters();
  return std::make_shared<const dist::LowRankMultivariateNormal>(
      p.loc, p.cov_factor * p.scale.unsqueeze(-1), p.scale * p.scale);
}

}  // namespace ppl::infer
