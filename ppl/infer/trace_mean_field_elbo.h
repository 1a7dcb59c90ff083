#pragma once
// TraceMeanField_ELBO: the ELBO with closed-form KL terms for the latents that have one.

#include "ppl/infer/elbo.h"

namespace ppl::infer {

/// ELBO = sum over observed sites of E_q[log p(x | z)] - sum over latents of KL(q(z) || p(z)),
/// as Pyro's TraceMeanField_ELBO. A latent whose guide and model distributions have a
/// registered KL (see ppl/distributions/kl.h) contributes -KL(guide || model), scaled and masked
/// as the guide site's log-prob is; the others, and latents whose model distribution has batch
/// dims the guide's lacks, contribute the Monte Carlo term log p - log q, as in Trace_ELBO.
///
/// The KL is taken between the two distributions the trace recorded, which are conditioned on
/// the other latents' draws: the estimate is unbiased when the guide draws the latents in the
/// model's order (Pyro's mean-field requirement, which this class does not check). Gradients
/// are pathwise only: with gradients enabled, `differentiable_loss` requires every guide site
/// to be reparameterizable (std::runtime_error naming the site otherwise; use Trace_ELBO for
/// such guides). `loss` takes any guide.
class TraceMeanField_ELBO : public ELBO {
 public:
  using ELBO::differentiable_loss;
  using ELBO::ELBO;

  torch::Tensor differentiable_loss(const Program& model, const Program& guide,
                                    std::vector<TracePair>* particles) override;
};

}  // namespace ppl::infer
