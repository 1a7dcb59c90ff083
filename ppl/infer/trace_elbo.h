#pragma once
// Trace_ELBO: the standard Monte Carlo ELBO with pathwise and score-function gradients.

#include "ppl/infer/elbo.h"

namespace ppl::infer {

/// ELBO = E_q[log p(x, z) - log q(z)], estimated from traces. Reparameterizable guide sites
/// give pathwise gradients; the others get score-function terms weighted by the downstream
/// log-ratio restricted to the site's plates (Pyro's plate-wise Rao-Blackwellisation).
class Trace_ELBO : public ELBO {
 public:
  using ELBO::differentiable_loss;
  using ELBO::ELBO;

  torch::Tensor differentiable_loss(const Program& model, const Program& guide,
                                    std::vector<TracePair>* particles) override;
};

}  // namespace ppl::infer
