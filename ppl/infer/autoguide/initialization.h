#pragma once
// Initialization strategies: where an autoguide (or any inference) starts each latent site
// (Pyro's pyro.infer.autoguide.initialization). A strategy maps a sample site to a constrained
// value of the site's shape; `InitMessenger` gives every latent site its strategy's value.
//
//   AutoNormal guide(model, AutoNormalOptions().init_loc_fn(init_to_value({{"mu", mu0}})));

#include "ppl/core/messenger.h"

#include <functional>
#include <string>

namespace ppl::infer {

/// An initialization strategy: a constrained value for a latent sample site (its `fn` is the
/// site's distribution, broadcast to its plates).
using InitFn = std::function<torch::Tensor(const Message& site)>;

/// The point whose unconstrained image is zero (Pyro's init_to_feasible): 0 for reals, 1 for
/// positive values, the middle of an interval, the simplex's centre.
InitFn init_to_feasible();
/// A draw from the site's distribution.
InitFn init_to_sample();
/// The elementwise median of `num_samples` draws; `fallback` when the distribution is
/// multivariate or the median is NaN or outside the support.
InitFn init_to_median(int64_t num_samples = 15, InitFn fallback = init_to_feasible());
/// The distribution's mean; `fallback` when it has none (or it is NaN or outside the support).
InitFn init_to_mean(InitFn fallback = init_to_median());
/// Uniform on (-radius, radius) in unconstrained space, mapped back onto the support.
InitFn init_to_uniform(double radius = 2.0);
/// `values[site]` where given, `fallback` for the other sites.
InitFn init_to_value(TensorDict values, InitFn fallback = init_to_uniform());

/// Sets every continuous latent sample site that has no value yet (not observed, not a plate's
/// subsample site; discrete sites draw as usual) to its strategy's value, computed without
/// gradients (Pyro's InitMessenger). When validation is on, a value whose shape is not the site's
/// is a std::invalid_argument naming the site; a strategy's own error is rethrown naming the site.
class InitMessenger : public Messenger {
 public:
  [[nodiscard]] explicit InitMessenger(InitFn init_fn);
  void process_message(Message& msg) override;

 private:
  InitFn init_fn_;
};

}  // namespace ppl::infer
