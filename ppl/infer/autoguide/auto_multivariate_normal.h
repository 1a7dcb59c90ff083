#pragma once
// AutoMultivariateNormal: a full-covariance Normal over the packed unconstrained latents (Pyro's
// AutoMultivariateNormal).
//
//   u ~ MultivariateNormal(loc, scale_tril = diag(scale) L)
//
// with L unit lower triangular: "AutoMultivariateNormal.loc", ".scale", ".scale_tril".

#include "ppl/distributions/multivariate_normal.h"
#include "ppl/infer/autoguide/auto_continuous.h"

namespace ppl::infer {

struct AutoMultivariateNormalOptions {
  TORCH_ARG(InitFn, init_loc_fn) = init_to_median();
  TORCH_ARG(double, init_scale) = 0.1;
  TORCH_ARG(std::string, name) = "AutoMultivariateNormal";
};

class AutoMultivariateNormalImpl : public AutoContinuousImpl {
 public:
  /// std::invalid_argument unless init_scale > 0.
  explicit AutoMultivariateNormalImpl(AutoMultivariateNormalOptions options = {});
  /// MultivariateNormal(loc, scale_tril()) over the packed latents (Pyro's get_posterior).
  std::shared_ptr<const dist::MultivariateNormal> get_posterior();
  dist::DistributionPtr posterior() override { return get_posterior(); }
  std::pair<torch::Tensor, torch::Tensor> loc_and_scale() override;
  /// The covariance's lower Cholesky factor, diag(scale) L.
  torch::Tensor scale_tril();

  /// Uses these fixed tensors instead of parameters, with the latent sites of `prototype` (how
  /// a Laplace approximation becomes a Gaussian guide).
  void fix(const AutoGuideImpl& prototype, torch::Tensor loc, torch::Tensor scale,
           torch::Tensor unit_scale_tril);

 private:
  struct Parameters {
    torch::Tensor loc, scale, unit_scale_tril;
    torch::Tensor scale_tril() const { return scale.unsqueeze(-1) * unit_scale_tril; }
  };
  Parameters parameters();

  double init_scale_;
  std::optional<Parameters> fixed_;
};

/// `AutoMultivariateNormal guide(model)`.
template <class Model>
class AutoMultivariateNormal : public AutoGuideHolder<Model, AutoMultivariateNormalImpl> {
  using AutoGuideHolder<Model, AutoMultivariateNormalImpl>::AutoGuideHolder;
};
template <class Model, class... Options>
AutoMultivariateNormal(Model, Options...) -> AutoMultivariateNormal<Model>;

}  // namespace ppl::infer
