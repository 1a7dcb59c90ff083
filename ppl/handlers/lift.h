#pragma once
// lift: turns param sites into sample sites drawn from priors.

#include "ppl/core/messenger.h"

#include <map>
#include <string>
#include <unordered_map>

namespace ppl::handlers {

/// Priors by full param name, as the param store knows it: a module's parameters go by
/// "module$$$path" ("net$$$fc.weight"), as in Pyro's `random_module` priors.
using PriorMap = std::map<std::string, dist::DistributionPtr>;

/// Pyro's poutine.lift: a param site becomes a latent sample site of the same name drawn from
/// its prior, which alone sets the value's shape (the param's initial value is not used and the
/// param store is not read). A site seen again in the same scope gets the first draw and is
/// hidden from the handlers outside. `module` parameters become sample sites too, but the
/// module keeps computing with its own weights (as Pyro's `module` without
/// `update_module_params`).
class LiftMessenger : public Messenger {
 public:
  /// Lifts every param site with `prior`.
  [[nodiscard]] explicit LiftMessenger(dist::DistributionPtr prior);
  /// Lifts the params named in `priors`; the others stay params.
  [[nodiscard]] explicit LiftMessenger(PriorMap priors);
  void process_message(Message& msg) override;
  void postprocess_message(Message& msg) override;

 private:
  dist::DistributionPtr prior_;
  PriorMap priors_;
  std::unordered_map<std::string, torch::Tensor> drawn_;  // the lifted sites' values
};

template <class Fn>
auto lift(Fn fn, dist::DistributionPtr prior) {
  return wrap_with<LiftMessenger>(std::move(fn), std::move(prior));
}

template <class Fn>
auto lift(Fn fn, const dist::Distribution& prior) {
  return lift(std::move(fn), prior.clone());
}

template <class Fn>
auto lift(Fn fn, PriorMap priors) {
  return wrap_with<LiftMessenger>(std::move(fn), std::move(priors));
}

}  // namespace ppl::handlers
