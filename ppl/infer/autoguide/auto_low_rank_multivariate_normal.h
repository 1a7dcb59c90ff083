#pragma once
// AutoLowRankMultivariateNormal: a Normal over the packed unconstrained latents whose covariance
// is low rank plus diagonal (Pyro's AutoLowRankMultivariateNormal):
//
//   u ~ LowRankMultivariateNormal(loc, W diag(scale)-scaled rows, scale^2),
//   covariance = diag(scale) (W W^T + I) diag(scale)
//
// "AutoLowRankMultivariateNormal.loc", ".scale", ".cov_factor" (W: latent_dim x rank).

#include "ppl/distributions/lowrank_multivariate_normal.h"
#include "ppl/infer/autoguide/auto_continuous.h"

namespace ppl::infer {

struct AutoLowRankMultivariateNormalOptions {
  TORCH_ARG(InitFn, init_loc_fn) = init_to_median();
  TORCH_ARG(double, init_scale) = 0.1;
  /// The rank of W; by default round(sqrt(latent_dim)).
  TORCH_ARG(std::optional<int64_t>, rank);
  TORCH_ARG(std::string, name) = "AutoLowRankMultivariateNormal";
};

class AutoLowRankMultivariateNormalImpl : public AutoContinuousImpl {
 public:
  /// std::invalid_argument unless init_scale > 0 and rank (when given) > 0.
  explicit AutoLowRankMultivariateNormalImpl(AutoLowRankMultivariateNormalOptions options = {});
  /// LowRankMultivariateNormal over the packed latents (Pyro's get_posterior).
  std::shared_ptr<const dist::LowRankMultivariateNormal> get_posterior();
  dist::DistributionPtr posterior() override { return get_posterior(); }
  std::pair<torch::Tensor, torch::Tensor> loc_and_scale() override;
  /// The rank (known once set up).
  int64_t rank() const;

 protected:
  void on_setup() override;

 private:
  struct Parameters {
    torch::Tensor loc, scale, cov_factor;
  };
  Parameters parameters();

  double init_scale_;
  std::optional<int64_t> rank_;
};

/// `AutoLowRankMultivariateNormal guide(model, AutoLowRankMultivariateNormalOptions().rank(2))`.
template <class Model>
class AutoLowRankMultivariateNormal
    : public AutoGuideHolder<Model, AutoLowRankMultivariateNormalImpl> {
  using AutoGuideHolder<Model, AutoLowRankMultivariateNormalImpl>::AutoGuideHolder;
};
template <class Model, class... Options>
AutoLowRankMultivariateNormal(Model, Options...) -> AutoLowRankMultivariateNormal<Model>;

}  // namespace ppl::infer
