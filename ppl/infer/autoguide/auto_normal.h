#pragma once
// AutoNormal: a Normal per latent site in unconstrained space, mean-field (Pyro's AutoNormal).
//
//   q(z) = prod_sites Normal(u; loc_site, scale_site) |det du/dz|,  z = biject_to(support)(u)
//
// A site with a real support is sampled from its Normal directly; any other site draws u at the
// auxiliary site "<site>_unconstrained" and is a Delta at z whose log density is -log|det dz/du|
// (the same q as Pyro's, which takes the auxiliary route for every site, with fewer sites).
// Each site has its own loc and scale ("AutoNormal.locs.<site>", "AutoNormal.scales.<site>"),
// elementwise: a site inside plates gets one per plate entry. For a subsampled plate the
// parameters are full size and each call uses the rows of its subsample, so minibatch SVI over a
// large local plate works.

#include "ppl/infer/autoguide/auto_guide.h"

namespace ppl::infer {

struct AutoNormalOptions {
  /// Where the locs start (constrained values of the sites).
  TORCH_ARG(InitFn, init_loc_fn) = init_to_feasible();
  /// The scales' initial value, in unconstrained space.
  TORCH_ARG(double, init_scale) = 0.1;
  /// The prefix of the parameter names.
  TORCH_ARG(std::string, name) = "AutoNormal";
};

class AutoNormalImpl : public AutoGuideImpl {
 public:
  /// std::invalid_argument unless init_scale > 0.
  explicit AutoNormalImpl(AutoNormalOptions options = {});
  TensorDict median() override;
  TensorDict quantiles(const std::vector<double>& quantiles) override;

 protected:
  void on_setup() override;
  TensorDict sample_latents() override;

 private:
  /// The unconstrained loc and scale of the i-th latent site (full size).
  std::pair<torch::Tensor, torch::Tensor> loc_and_scale(size_t i) const;

  double init_scale_;
  std::vector<torch::Tensor> init_locs_;              // per latent, full size
  std::vector<std::string> loc_names_, scale_names_;  // per latent
};

/// `AutoNormal guide(model)` or `AutoNormal guide(model, AutoNormalOptions().init_scale(0.01))`.
template <class Model>
class AutoNormal : public AutoGuideHolder<Model, AutoNormalImpl> {
  using AutoGuideHolder<Model, AutoNormalImpl>::AutoGuideHolder;
};
template <class Model, class... Options>
AutoNormal(Model, Options...) -> AutoNormal<Model>;

}  // namespace ppl::infer
