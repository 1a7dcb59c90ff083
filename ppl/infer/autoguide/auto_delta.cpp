#include "ppl/infer/autoguide/auto_delta.h"

#include "ppl/core/primitives.h"
#include "ppl/distributions/delta.h"

namespace ppl::infer {

AutoDeltaImpl::AutoDeltaImpl(AutoDeltaOptions options)
    : AutoGuideImpl(options.name(), options.init_loc_fn()) {}

void AutoDeltaImpl::on_setup() {
  init_values_.clear();
  for (const LatentSite& site : latents())
    init_values_.push_back(over_full_plates(site.value, site, site.event_dim()));
}

torch::Tensor AutoDeltaImpl::value(size_t i) const {
  const LatentSite& site = latents()[i];
  return param(param_name(site.name), init_values_[i], site.fn->support());
}

TensorDict AutoDeltaImpl::sample_latents() {
  TensorDict result;
  for (size_t i = 0; i < latents().size(); ++i) {
    const LatentSite& site = latents()[i];
    const auto plates = enter_plates(site);
    const auto point = subsample(value(i), site, site.event_dim());
    result[site.name] = sample(
        site.name, std::make_shared<const dist::Delta>(point, torch::Tensor(), site.event_dim()));
  }
  return result;
}

TensorDict AutoDeltaImpl::median() {
  torch::NoGradGuard no_grad;
  TensorDict result;
  for (size_t i = 0; i < latents().size(); ++i)
    result[latents()[i].name] = value(i).detach().clone();
  return result;
}

TensorDict AutoDeltaImpl::quantiles(const std::vector<double>& quantiles) {
  TensorDict result = median();
  for (auto& [name, value] : result) {
    std::vector<int64_t> shape{static_cast<int64_t>(quantiles.size())};
    shape.insert(shape.end(), value.sizes().begin(), value.sizes().end());
    value = value.unsqueeze(0).expand(shape).clone();
  }
  return result;
}

}  // namespace ppl::infer
