#pragma once
// AutoDiagonalNormal: a diagonal Normal over the packed unconstrained latents (Pyro's
// AutoDiagonalNormal).
//
//   u ~ Normal(loc, scale).to_event(1)   ("AutoDiagonalNormal.loc", "AutoDiagonalNormal.scale")

#include "ppl/distributions/independent.h"
#include "ppl/infer/autoguide/auto_continuous.h"

namespace ppl::infer {

struct AutoDiagonalNormalOptions {
  TORCH_ARG(InitFn, init_loc_fn) = init_to_median();
  TORCH_ARG(double, init_scale) = 0.1;
  TORCH_ARG(std::string, name) = "AutoDiagonalNormal";
};

class AutoDiagonalNormalImpl : public AutoContinuousImpl {
 public:
  /// std::invalid_argument unless init_scale > 0.
  explicit AutoDiagonalNormalImpl(AutoDiagonalNormalOptions options = {});
  /// Normal(loc, scale).to_event(1) over the packed latents (Pyro's get_posterior).
  std::shared_ptr<const dist::Independent> get_posterior();
  dist::DistributionPtr posterior() override { return get_posterior(); }
  std::pair<torch::Tensor, torch::Tensor> loc_and_scale() override;

 private:
  double init_scale_;
};

/// `AutoDiagonalNormal guide(model)`.
template <class Model>
class AutoDiagonalNormal : public AutoGuideHolder<Model, AutoDiagonalNormalImpl> {
  using AutoGuideHolder<Model, AutoDiagonalNormalImpl>::AutoGuideHolder;
};
template <class Model, class... Options>
AutoDiagonalNormal(Model, Options...) -> AutoDiagonalNormal<Model>;

}  // namespace ppl::infer
