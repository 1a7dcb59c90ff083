#pragma once
// One Markov chain of a Hamiltonian sampler: its state, metric, step size, warm-up adaptation
// and draws, advanced one gradient evaluation at a time so that many chains can share each
// evaluation of the potential.

#include "ppl/infer/mcmc/adaptation.h"
#include "ppl/infer/mcmc/trajectory.h"

#include <functional>
#include <memory>

namespace ppl::infer {

/// What a chain needs to know of its kernel (HMC or NUTS).
struct ChainSettings {
  double step_size = 1.0;
  bool adapt_step_size = true;
  bool adapt_mass_matrix = true;
  bool full_mass = false;
  double target_accept_prob = 0.8;
  std::function<std::unique_ptr<Trajectory>()> make_trajectory;
};

class Chain {
 public:
  /// A chain of `warmup_steps` adaptive then `num_samples` kept iterations from `start` (its
  /// potential and gradient known), drawing its randomness from `generator`.
  Chain(PhasePoint start, const ChainSettings& settings, int64_t warmup_steps, int64_t num_samples,
        at::Generator generator);

  bool finished() const { return phase_ == Phase::finished; }
  /// The position whose potential and gradient the chain needs next.
  const Vector& pending_position() const;
  /// Takes them and runs until the chain needs the next ones (or has finished).
  void advance(double potential, const double* grad);

  int64_t iteration() const { return iteration_; }
  /// The kept draws, num_samples x dim, row-major, unconstrained.
  const Vector& draws() const { return draws_; }
  /// Every iteration's statistics, warm-up first.
  const std::vector<TransitionStats>& stats() const { return stats_; }
  double step_size() const { return step_size_; }
  const Metric& metric() const { return metric_; }
  /// Gradient evaluations so far, the step-size searches' included.
  int64_t gradient_evaluations() const { return gradient_evaluations_; }

 private:
  enum class Phase { step_size_search, transition, finished };
  void begin_iteration();
  void begin_search_step();
  void end_transition();
  bool search_done(double energy_error);

  ChainSettings settings_;
  int64_t warmup_steps_, num_samples_, iteration_ = 0;
  at::Generator generator_;
  Metric metric_;
  double step_size_;
  DualAveraging step_size_adaptation_;
  MassMatrixAdaptation mass_matrix_adaptation_;
  std::unique_ptr<Trajectory> trajectory_;
  PhasePoint state_;
  Phase phase_ = Phase::transition;
  bool search_pending_ = false;

  // Stan's init_stepsize: one leapfrog step from `state_` per gradient, doubling or halving the
  // step until the acceptance of one step crosses 0.8.
  PhasePoint search_point_;
  Vector velocity_;
  double search_start_energy_ = 0;
  int search_direction_ = 0;

  Vector draws_;
  std::vector<TransitionStats> stats_;
  int64_t gradient_evaluations_ = 0;
};

}  // namespace ppl::infer
