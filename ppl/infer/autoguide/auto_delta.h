#pragma once
// AutoDelta: a point mass per latent site, fitted by SVI to the MAP estimate (Pyro's AutoDelta).
//
//   q(z) = prod_sites Delta(z; value_site)
//
// Each site's value is a parameter "AutoDelta.<site>" constrained to the site's support. Sites
// inside a subsampled plate keep full-size values and each call uses its subsample's rows.

#include "ppl/infer/autoguide/auto_guide.h"

namespace ppl::infer {

struct AutoDeltaOptions {
  TORCH_ARG(InitFn, init_loc_fn) = init_to_median();
  TORCH_ARG(std::string, name) = "AutoDelta";
};

class AutoDeltaImpl : public AutoGuideImpl {
 public:
  explicit AutoDeltaImpl(AutoDeltaOptions options = {});
  /// The values (the MAP estimate once fitted).
  TensorDict median() override;
  /// The values, repeated for every quantile: a point mass has no spread.
  TensorDict quantiles(const std::vector<double>& quantiles) override;

 protected:
  void on_setup() override;
  TensorDict sample_latents() override;

 private:
  torch::Tensor value(size_t i) const;
  std::vector<torch::Tensor> init_values_;  // per latent, full size
};

/// `AutoDelta guide(model)`.
template <class Model>
class AutoDelta : public AutoGuideHolder<Model, AutoDeltaImpl> {
  using AutoGuideHolder<Model, AutoDeltaImpl>::AutoGuideHolder;
};
template <class Model, class... Options>
AutoDelta(Model, Options...) -> AutoDelta<Model>;

}  // namespace ppl::infer
