#include "ppl/infer/autoguide/auto_normal.h"

#include "ppl/core/primitives.h"
#include "ppl/distributions/delta.h"
#include "ppl/distributions/normal.h"

namespace ppl::infer {

AutoNormalImpl::AutoNormalImpl(AutoNormalOptions options)
    : AutoGuideImpl(options.name(), options.init_loc_fn()),
      init_scale_(checked_init_scale(options.name(), options.init_scale())) {}

void AutoNormalImpl::on_setup() {
  init_locs_.clear();
  loc_names_.clear();
  scale_names_.clear();
  for (const LatentSite& site : latents()) {
    init_locs_.push_back(over_full_plates(site.unconstrained, site, site.unconstrained_event_dim));
    loc_names_.push_back(param_name("locs." + site.name));
    scale_names_.push_back(param_name("scales." + site.name));
  }
}

std::pair<torch::Tensor, torch::Tensor> AutoNormalImpl::loc_and_scale(size_t i) const {
  const torch::Tensor& init_loc = init_locs_[i];
  auto loc = param(loc_names_[i], init_loc);
  auto scale = param(
      scale_names_[i], [&] { return torch::full_like(init_loc, init_scale_); },
      constraints::softplus_positive);
  return {loc, scale};
}

TensorDict AutoNormalImpl::sample_latents() {
  TensorDict result;
  for (size_t i = 0; i < latents().size(); ++i) {
    const LatentSite& site = latents()[i];
    const auto plates = enter_plates(site);
    auto [loc, scale] = loc_and_scale(i);
    loc = subsample(loc, site, site.unconstrained_event_dim);
    scale = subsample(scale, site, site.unconstrained_event_dim);
    dist::DistributionPtr normal = std::make_shared<const dist::Normal>(loc, scale);
    if (site.unconstrained_event_dim > 0)
      normal = std::make_shared<const dist::Independent>(normal, site.unconstrained_event_dim);
    if (site.is_real) {  // the Normal is the site's own distribution: no auxiliary site needed
      result[site.name] = sample(site.name, normal);
      continue;
    }
    const auto unconstrained =
        sample(site.name + "_unconstrained", normal, {}, InferDict{{"is_auxiliary", true}});
    auto [value, log_density] = site.constrain(unconstrained);
    result[site.name] = sample(
        site.name, std::make_shared<const dist::Delta>(value, log_density, site.event_dim()));
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
