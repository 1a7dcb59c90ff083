#include "ppl/infer/autoguide/auto_continuous.h"

#include "ppl/core/primitives.h"
#include "ppl/distributions/delta.h"
#include "ppl/distributions/normal.h"

#include <fmt/format.h>

namespace ppl::infer {

void AutoContinuousImpl::on_setup() {
  std::vector<torch::Tensor> parts;
  for (const LatentSite& site : latents()) parts.push_back(site.unconstrained.reshape(-1));
  init_loc_ = parts.empty() ? torch::Tensor() : torch::cat(parts);
  if (latent_dim() == 0)
    throw std::invalid_argument(
        fmt::format("{}: the model has no continuous latent site to guide", name()));
}

int64_t AutoContinuousImpl::latent_dim() const {
  require_setup();
  return init_loc_.defined() ? init_loc_.numel() : 0;
}

std::vector<torch::Tensor> AutoContinuousImpl::unpack(const torch::Tensor& latent) const {
  const auto batch = latent.sizes().slice(0, latent.dim() - 1);
  std::vector<torch::Tensor> parts;
  int64_t position = 0;
  for (const LatentSite& site : latents()) {
    const int64_t size = site.unconstrained.numel();
    dist::Shape batch_and_event(batch.begin(), batch.end());
    batch_and_event.insert(batch_and_event.end(), site.unconstrained_event_dim, 1);
    const auto shape =
        dist::broadcast_shapes(site.unconstrained.sizes(), batch_and_event, site.name);
    parts.push_back(latent.narrow(-1, position, size).reshape(shape));
    position += size;
  }
  if (position != latent.size(-1))
    throw std::invalid_argument(fmt::format("{}: a packed latent of size {} but expected {}",
                                            name(), latent.size(-1), position));
  return parts;
}

TensorDict AutoContinuousImpl::constrain(const torch::Tensor& latent) const {
  const auto parts = unpack(latent);
  TensorDict result;
  for (size_t i = 0; i < parts.size(); ++i) {
    const LatentSite& site = latents()[i];
    result[site.name] = site.transform->forward(parts[i]);
  }
  return result;
}

TensorDict AutoContinuousImpl::sample_latents() {
  const auto latent =
      sample("_" + name() + "_latent", posterior(), {}, InferDict{{"is_auxiliary", true}});
  const auto parts = unpack(latent);
  TensorDict result;
  for (size_t i = 0; i < parts.size(); ++i) {
    const LatentSite& site = latents()[i];
    auto [value, log_density] = site.constrain(parts[i]);
    const auto plates = enter_plates(site);
    result[site.name] = sample(
        site.name, std::make_shared<const dist::Delta>(value, log_density, site.event_dim()));
  }
  return result;
}

TensorDict AutoContinuousImpl::median() {
  torch::NoGradGuard no_grad;
  TensorDict result = constrain(loc_and_scale().first.detach());
  for (auto& [name, value] : result) value = value.clone();
  return result;
}

TensorDict AutoContinuousImpl::quantiles(const std::vector<double>& quantiles) {
  torch::NoGradGuard no_grad;
  const auto [loc, scale] = loc_and_scale();
  const auto q = torch::tensor(quantiles, loc.options()).unsqueeze(-1);
  const auto latents_at_q = dist::Normal(loc, scale).icdf(q);
  std::map<std::string, std::vector<torch::Tensor>> values;
  for (int64_t k = 0; k < latents_at_q.size(0); ++k)
    for (auto& [name, value] : constrain(latents_at_q[k])) values[name].push_back(value);
  TensorDict result;
  for (auto& [name, list] : values) result[name] = torch::stack(list);
  return result;
}

}  // namespace ppl::infer
