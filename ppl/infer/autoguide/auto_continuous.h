#pragma once
// The base of the autoguides that pack every latent site, unconstrained, into one vector and fit
// one distribution over it (Pyro's AutoContinuous):
//
//   u ~ posterior (over R^latent_dim),  z_site = biject_to(support_site)(u[slice_site])
//
// The packed draw is the auxiliary site "_<name>_latent"; each latent site is then a Delta at
// its constrained slice carrying the Jacobian's log density.

#include "ppl/infer/autoguide/auto_guide.h"

namespace ppl::infer {

class AutoContinuousImpl : public AutoGuideImpl {
 public:
  /// The size of the packed unconstrained vector.
  int64_t latent_dim() const;
  /// The distribution over the packed vector, as the guide samples it; each packed autoguide's
  /// `get_posterior()` (Pyro's) gives it with its own type.
  virtual dist::DistributionPtr posterior() = 0;
  /// The packed vector's marginal location and scale (what median and quantiles use).
  virtual std::pair<torch::Tensor, torch::Tensor> loc_and_scale() = 0;

  /// The unconstrained value of every latent site in `latent` (..., latent_dim), in the order of
  /// `latents()`. Leading dims are batch dims broadcast against each site's shape from the right,
  /// as Pyro's: n draws for a model with one plate are (n, 1, latent_dim).
  std::vector<torch::Tensor> unpack(const torch::Tensor& latent) const;
  /// The constrained values of `latent` by site name.
  TensorDict constrain(const torch::Tensor& latent) const;

  /// The constrained loc.
  TensorDict median() override;
  /// Quantiles of each element's Normal(loc, scale) marginal, constrained.
  TensorDict quantiles(const std::vector<double>& quantiles) override;

 protected:
  using AutoGuideImpl::AutoGuideImpl;
  /// std::invalid_argument when the model has no latent site.
  void on_setup() override;
  TensorDict sample_latents() override;
  /// The initial values packed: the starting loc.
  const torch::Tensor& init_loc() const { return init_loc_; }

 private:
  torch::Tensor init_loc_;
};

}  // namespace ppl::infer
