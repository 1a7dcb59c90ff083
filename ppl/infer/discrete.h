#pragma once
// infer_discrete: MAP values or posterior draws of a model's enumerated sites (Pyro's
// pyro.infer.infer_discrete).

#include "ppl/core/trace.h"
#include "ppl/handlers/replay.h"
#include "ppl/infer/elbo.h"

#include <torch/arg.h>

namespace ppl::infer {

struct InferDiscreteOptions {
  /// The first dim left of the model's plates: -1 - max_plate_nesting. When not given, guessed
  /// from one run of the model without enumeration (its values drawn, hidden from outer
  /// handlers), as TraceEnum_ELBO guesses max_plate_nesting.
  TORCH_ARG(std::optional<int64_t>, first_available_dim);
  /// 0: the jointly most probable values (max-product, Viterbi for an HMM); 1: a draw from the
  /// joint posterior (forward filtering, backward sampling).
  TORCH_ARG(int64_t, temperature) = 1;
};

/// One run of `model` under parallel enumeration, hidden from outer handlers, with each
/// enumerated site's value replaced by its MAP value or posterior draw given the values of the
/// other sites of that run (observed, conditioned or drawn); its sites no longer carry
/// enumeration dims. std::invalid_argument for a temperature other than 0 or 1.
Trace discrete_posterior_trace(const Program& model, const InferDiscreteOptions& options);

/// `model` with its enumerated sites (config_enumerate) set to MAP values (temperature 0) or a
/// joint posterior draw (temperature 1) given its other sites: a callable with the model's
/// arguments that returns what the model returns. Each call computes a new posterior.
template <class Model>
auto infer_discrete(Model model, InferDiscreteOptions options = {}) {
  return [model = std::move(model), options](auto&&... args) -> decltype(auto) {
    const Trace posterior = discrete_posterior_trace([&] { model(args...); }, options);
    handlers::ReplayMessenger replay(posterior);
    return model(std::forward<decltype(args)>(args)...);
  };
}

}  // namespace ppl::infer
