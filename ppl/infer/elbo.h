#pragma once
// The ELBO interface: losses of a (model, guide) pair, -ELBO estimates.

#include "ppl/infer/model_guide_checks.h"

#include <torch/arg.h>

#include <functional>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace ppl::infer {

/// A model or guide with its arguments bound.
using Program = std::function<void()>;

/// Binds `args` to `fn` as a Program (the arguments are captured by reference: the Program
/// must be run while they are alive).
template <class Fn, class... Args>
Program bind_program(Fn& fn, const Args&... args) {
  return [&fn, &args...] { fn(args...); };
}

/// Enables the callable-and-arguments forms of the ELBO methods unless model and guide are
/// already Programs (then the Program forms are meant).
template <class Model, class Guide>
using IfNotPrograms = std::enable_if_t<!std::is_same_v<std::decay_t<Model>, Program> ||
                                       !std::is_same_v<std::decay_t<Guide>, Program>>;

struct ELBOOptions {
  /// Independent samples of the estimator, averaged.
  TORCH_ARG(int64_t, num_particles) = 1;
  /// How many plate dims (counted from the right) the model and guide use at most, as Pyro's
  /// `max_plate_nesting`: log-prob dims further left are not checked against plates, and a
  /// site inside more plates is an error.
  TORCH_ARG(int64_t, max_plate_nesting) = kUnlimitedPlateNesting;
  /// Draws the `num_particles` particles in one pass instead of a loop: model and guide run
  /// inside an outer plate "num_particles_vectorized" of size num_particles at dim
  /// -(max_plate_nesting + 1), so every site gains a leading particle dim (Pyro's
  /// `vectorize_particles`). Needs a finite `max_plate_nesting` and a model and guide whose
  /// tensors broadcast over dims left of their plates. No effect when num_particles is 1.
  TORCH_ARG(bool, vectorize_particles) = false;
};

/// The name of the outer plate that vectorizes the particles.
inline constexpr const char* kParticlePlate = "num_particles_vectorized";

class ELBO {
 public:
  explicit ELBO(ELBOOptions options = {});
  explicit ELBO(int64_t num_particles) : ELBO(ELBOOptions().num_particles(num_particles)) {}
  virtual ~ELBO() = default;

  const ELBOOptions& options() const { return options_; }
  int64_t num_particles() const { return options_.num_particles(); }

  /// The -ELBO estimate as a number: `differentiable_loss` computed under torch::NoGradGuard
  /// (which an ELBO may use to skip its surrogate terms), checked with `check_finite_loss`.
  double loss(const Program& model, const Program& guide);
  /// A tensor equal to the -ELBO estimate whose gradient is an unbiased estimate of -ELBO's.
  torch::Tensor differentiable_loss(const Program& model, const Program& guide) {
    return differentiable_loss(model, guide, nullptr);
  }
  /// The same, also handing back every particle's traces in `particles` when not null.
  virtual torch::Tensor differentiable_loss(const Program& model, const Program& guide,
                                            std::vector<TracePair>* particles) = 0;
  /// Computes `differentiable_loss`, backpropagates it into the parameters' `.grad`, and
  /// returns the -ELBO estimate (checked with `check_finite_loss`).
  double loss_and_grads(const Program& model, const Program& guide);

  /// The forms above for a model and guide taking `args` (temporaries too), as Pyro's
  /// `elbo.loss(model, guide, *args)`.
  template <class Model, class Guide, class... Args, class = IfNotPrograms<Model, Guide>>
  double loss(Model&& model, Guide&& guide, const Args&... args) {
    return loss(bind_program(model, args...), bind_program(guide, args...));
  }
  template <class Model, class Guide, class... Args, class = IfNotPrograms<Model, Guide>,
            class = std::enable_if_t<!std::is_same_v<std::tuple<std::decay_t<Args>...>,
                                                     std::tuple<std::vector<TracePair>*>>>>
  torch::Tensor differentiable_loss(Model&& model, Guide&& guide, const Args&... args) {
    return differentiable_loss(bind_program(model, args...), bind_program(guide, args...));
  }
  template <class Model, class Guide, class... Args, class = IfNotPrograms<Model, Guide>>
  double loss_and_grads(Model&& model, Guide&& guide, const Args&... args) {
    return loss_and_grads(bind_program(model, args...), bind_program(guide, args...));
  }

 protected:
  /// Whether the particles run as one pass through the particle plate.
  bool vectorized() const { return options_.vectorize_particles() && num_particles() > 1; }
  /// Traces per estimate: 1 when vectorized, else num_particles.
  int64_t num_passes() const { return vectorized() ? 1 : num_particles(); }
  /// `program` as an estimate runs it: itself, or when vectorized a wrapper (kept in `wrapper`)
  /// that runs it inside the particle plate.
  const Program& particle_program(const Program& program, Program& wrapper) const;
  /// The plate nesting that sites are checked against: max_plate_nesting, plus the particle
  /// plate when vectorized.
  int64_t checked_plate_nesting() const {
    return options_.max_plate_nesting() + (vectorized() ? 1 : 0);
  }

 private:
  ELBOOptions options_;
};

/// `program` run inside the plate kParticlePlate of `size` at dim -(max_plate_nesting + 1), so
/// that every site gains a particle dim left of its plates. Captures `program` by reference.
Program in_particle_plate(const Program& program, int64_t size, int64_t max_plate_nesting);

/// Runs the guide and the model replayed against it, without checks (a probe of shapes).
TracePair run_traces(const Program& model, const Program& guide);

/// Runs the guide and the model replayed against it; when validation is on (see
/// `enable_validation`), checks that their sites match (`check_model_guide_match`). Computes
/// no log-prob.
TracePair get_traces(const Program& model, const Program& guide);

/// As get_traces, with the log-prob of every sample site computed and checked against its
/// plates (`check_site_shapes`).
TracePair get_importance_traces(const Program& model, const Program& guide,
                                int64_t max_plate_nesting = kUnlimitedPlateNesting);

/// Pyro's _guess_max_plate_nesting: the leftmost dim of the vectorized plates that the sample
/// sites of `trace` are in (0 when none).
int64_t guess_max_plate_nesting(const Trace& trace);

}  // namespace ppl::infer
