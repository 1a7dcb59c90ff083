#pragma once
// One MCMC transition of a Hamiltonian sampler, written as a state machine that stops at every
// gradient it needs: the caller evaluates the potential (for many chains in one batch when it
// likes) and hands the result back. HMC and NUTS implement it.

#include "ppl/infer/mcmc/hamiltonian.h"

#include <memory>

namespace ppl::infer {

/// What one transition reports (Stan's sampler parameters).
struct TransitionStats {
  double accept_stat = 0;  ///< mean Metropolis acceptance probability along the trajectory
  int64_t num_steps = 0;   ///< leapfrog steps (gradient evaluations)
  int64_t tree_depth = 0;  ///< NUTS: doublings of the trajectory
  bool divergent = false;  ///< the energy error exceeded 1000
  double energy = 0;       ///< the Hamiltonian at the start
};

class Trajectory {
 public:
  virtual ~Trajectory() = default;
  /// Starts a transition from `start` (its potential and gradient known) with a fresh momentum.
  /// `metric` and `generator` must outlive the transition.
  virtual void begin(const PhasePoint& start, const Metric& metric, double step_size,
                     at::Generator& generator) = 0;
  /// The position whose potential and gradient the transition needs next.
  virtual const Vector& pending_position() const = 0;
  /// Takes the potential and gradient at pending_position(); true when the transition ended.
  virtual bool advance(double potential, const double* grad) = 0;
  /// After the end: the chain's new state and the transition's statistics.
  virtual const PhasePoint& state() const = 0;
  virtual const TransitionStats& stats() const = 0;
};

/// The energy error beyond which a trajectory is divergent (Stan's max_deltaH).
inline constexpr double kMaxEnergyError = 1000;

}  // namespace ppl::infer
