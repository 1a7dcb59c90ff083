#pragma once
// TraceEnum_ELBO: the ELBO with enumerated discrete sites summed out exactly.

#include "ppl/infer/contract.h"
#include "ppl/infer/elbo.h"

#include <optional>

namespace ppl::infer {

/// Pyro's TraceEnum_ELBO. The guide runs under parallel enumeration (EnumMessenger, dims left of
/// `max_plate_nesting`) and once per value of its "sequential" sites; the model runs against it
/// under the same enumeration. Model sites enumerated in the model are summed out exactly by
/// tensor variable elimination, inside their plates (`contract_plated`); the expectations over
/// enumerated guide sites are exact sums weighted by their probabilities; other
/// non-reparameterizable guide sites get score-function terms, weighted by the costs in their
/// plates (DiCE). With no continuous latents the loss is minus the exact log marginal
/// likelihood. When `max_plate_nesting` is not set it is guessed from one run of guide and model.
class TraceEnum_ELBO : public ELBO {
 public:
  using ELBO::differentiable_loss;
  using ELBO::ELBO;

  torch::Tensor differentiable_loss(const Program& model, const Program& guide,
                                    std::vector<TracePair>* particles) override;

 private:
  /// max_plate_nesting, guessed on first use when not set.
  int64_t plate_nesting(const Program& model, const Program& guide);
  std::optional<int64_t> guessed_plate_nesting_;
};

/// Runs `guide` and `model` (replayed against the guide) under one EnumMessenger starting at
/// `first_available_dim`, once per combination of the guide's "sequential" sites, and hands
/// each pair of traces (log-probs not computed) to `visit`.
void for_each_enumerated_traces(const Program& model, const Program& guide,
                                int64_t first_available_dim,
                                const std::function<void(TracePair&)>& visit);

/// The model's log-prob factors, with the sites enumerated in the model itself (not replayed
/// from the guide) summed out: factors that hold such a site are contracted unscaled, then
/// scaled by their sites' common scale (std::invalid_argument when their scales differ).
std::vector<Factor> model_costs(const TracePair& traces);

/// The ELBO of one pair of enumerated traces whose log-probs are computed: a tensor equal to
/// the ELBO whose gradient is the surrogate's (see TraceEnum_ELBO).
torch::Tensor enumerated_elbo(const TracePair& traces);

}  // namespace ppl::infer
