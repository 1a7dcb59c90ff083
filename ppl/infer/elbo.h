#pragma once
// The ELBO interface: losses of a (model, guide) pair, -ELBO estimates.

#include "ppl/core/trace.h"

#include <functional>
#include <utility>

namespace ppl::infer {

/// A model or guide with its arguments bound.
using Program = std::function<void()>;

/// Binds `args` to `fn` as a Program (the arguments are captured by reference: the Program
/// must be run while they are alive).
template <class Fn, class... Args>
Program bind_program(Fn& fn, Args&... args) {
  return [&fn, &args...] { fn(args...); };
}

class ELBO {
 public:
  /// `num_particles` independent samples of the estimator are averaged.
  explicit ELBO(int64_t num_particles = 1);
  virtual ~ELBO() = default;

  int64_t num_particles() const { return num_particles_; }

  /// The -ELBO estimate as a number; no gradients. By default the value of
  /// `differentiable_loss` computed under torch::NoGradGuard.
  virtual double loss(const Program& model, const Program& guide);
  /// A tensor equal to the -ELBO estimate whose gradient is an unbiased estimate of -ELBO's.
  virtual torch::Tensor differentiable_loss(const Program& model, const Program& guide) = 0;
  /// Computes `differentiable_loss`, backpropagates it into the parameters' `.grad`, and
  /// returns the -ELBO estimate.
  virtual double loss_and_grads(const Program& model, const Program& guide);

  template <class Model, class Guide, class... Args>
  double loss(Model& model, Guide& guide, Args&... args) {
    return loss(bind_program(model, args...), bind_program(guide, args...));
  }

 private:
  int64_t num_particles_;
};

/// One particle's traces: the guide's, and the model's run under replay of the guide's.
struct TracePair {
  Trace model;
  Trace guide;
};

/// Runs the guide and the model replayed against it and checks that their sites match (see
/// check_model_guide_match); computes no log-prob.
TracePair get_traces(const Program& model, const Program& guide);

/// As get_traces, with the log-prob of every sample site computed.
TracePair get_importance_traces(const Program& model, const Program& guide);

/// As Pyro's check_model_guide_match, but raising std::runtime_error: every latent of the guide
/// must be a latent of the model and the reverse; shared latents must agree in event_dim and
/// in shape (up to broadcasting). Messages name the site and show both traces' shapes.
void check_model_guide_match(const Trace& model_trace, const Trace& guide_trace);

}  // namespace ppl::infer
