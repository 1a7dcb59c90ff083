#pragma once
// The ELBO interface: losses of a (model, guide) pair, -ELBO estimates.

#include "ppl/core/trace.h"

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

/// One particle's traces: the guide's, and the model's run under replay of the guide's.
struct TracePair {
  Trace model;
  Trace guide;
};

constexpr int64_t kUnlimitedPlateNesting = std::numeric_limits<int64_t>::max();

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

  /// The -ELBO estimate as a number; no gradients. By default the value of
  /// `differentiable_loss` computed under torch::NoGradGuard.
  virtual double loss(const Program& model, const Program& guide);
  /// A tensor equal to the -ELBO estimate whose gradient is an unbiased estimate of -ELBO's.
  torch::Tensor differentiable_loss(const Program& model, const Program& guide) {
    return differentiable_loss(model, guide, nullptr);
  }
  /// The same, also handing back every particle's traces in `particles` when not null.
  virtual torch::Tensor differentiable_loss(const Program& model, const Program& guide,
                                            std::vector<TracePair>* particles) = 0;
  /// Computes `differentiable_loss`, backpropagates it into the parameters' `.grad`, and
  /// returns the -ELBO estimate (checked with `check_finite_loss`).
  virtual double loss_and_grads(const Program& model, const Program& guide);

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

/// When validation is on: `check_site_shape` for every sample site of both traces that has
/// its log-prob.
void check_site_shapes(const TracePair& traces, int64_t max_plate_nesting);

/// As Pyro's check_site_shape, but raising std::runtime_error naming the site, with the
/// trace's table of shapes: each log-prob dim inside a plate must have the plate's size, a
/// dim outside every plate (within `max_plate_nesting`) must have size 1, two plates may not
/// share a dim, and no site may be inside more than `max_plate_nesting` plates.
void check_site_shape(const Site& site, const Trace& trace, int64_t max_plate_nesting);

/// When `loss` is NaN or infinite (validation on or off): std::runtime_error naming the first
/// sample site (guide sites first, in program order) whose log-prob is not finite, with the
/// traces' tables of shapes. Returns `loss` otherwise.
double check_finite_loss(double loss, const std::vector<TracePair>& particles);

/// As Pyro's check_model_guide_match, but raising std::runtime_error: every latent of the guide
/// must be a latent of the model and the reverse, except model sites summed out by parallel
/// enumeration (a site marked for enumeration that was not enumerated, as under Trace_ELBO, is
/// an error pointing to TraceEnum_ELBO); shared latents must agree in event_dim and in shape
/// (up to broadcasting). Messages name the site and show both traces' shapes.
void check_model_guide_match(const Trace& model_trace, const Trace& guide_trace);

}  // namespace ppl::infer
