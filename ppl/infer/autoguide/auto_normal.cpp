#include "ppl/infer/autoguide/auto_normal.h"

#include "ppl/core/primitives.h"
#include "ppl/distributions/delta.h"
#include "ppl/distributions/normal.h"

#include <fmt/format.h>

namespace ppl::infer {

AutoNormalImpl::AutoNormalImpl(AutoNormalOptions options)
    : AutoGuideImpl(options.name(), options.init_loc_fn()),
      init_scale_(checked_init_scale(options.name(), options.init_scale())) {}

void AutoNormalImpl::on_setup() {
  init_locs_.clear();
  for (const LatentSite& site : latents())
    init_locs_.push_back(over_full_plates(site.unconstrained, site, site.unconstrained_event_dim));
}

std::pair<torch::Tensor, torch::Tensor> AutoNormalImpl::loc_and_scale(size_t i) const {
  const LatentSite& site = latents()[i];
  const torch::Tensor& init_loc = init_locs_[i];
  auto loc = param(param_name("locs." + site.name), init_loc);
  auto scale = param(
      param_name("scales." + site.name), [&] { return torch::full_like(init_loc, init_scale_); },
      constraints::softplus_positive);
  return {loc, scale};
}

TensorDict AutoNormalImpl::sample_latents() {
  TensorDict result;
  for (size_t i = 0; i < latents().size(); ++i) {
    const LatentSite& site = latents()[i];
    PlateScope plates(*this, site);
    auto [loc, scale] = loc_and_scale(i);
    loc = subsample(loc, site, site.unconstrained_event_dim);
    scale = subsample(scale, site, site.unconstrained_event_dim);
    const auto unconstrained =
        sample(site.name + "_unconstrained",
               dist::Normal(loc, scale).to_event(site.unconstrained_event_dim), {},
               InferDict{{"is_auxiliary", true}});
    auto [value, log_density] = site.constrain(unconstrained);
    result[site.name] = sample(site.name, dist::Delta(value, log_density, site.event_dim()));
  }
  return result;
}

TensorDict AutoNormalImpl::median() {
  torch::NoGradGuard no_grad;
  TensorDict result;
  for (size_t i = 0; i < latents().size(); ++i) {
    const LatentSite& site = latents()[i];
    result[site.name] = site.transform->forward(loc_and_scale(i).first).detach().clone();
  }
  return result;
}

TensorDict AutoNormalImpl::quantiles(const std::vector<double>& quantiles) {
  torch::NoGradGuard no_grad;
  TensorDict result;
  for (size_t i = 0; i < latents().size(); ++i) {
    const LatentSite& site = latents()[i];
    const auto [loc, scale] = loc_and_scale(i);
    std::vector<int64_t> shape(loc.dim() + 1, 1);
    shape[0] = static_cast<int64_t>(quantiles.size());
    const auto q = torch::tensor(quantiles, loc.options()).reshape(shape);
    result[site.name] = site.transform->forward(dist::Normal(loc, scale).icdf(q)).detach();
  }
  return result;
}

}  // namespace ppl::infer
