#pragma once
// Hamiltonian Monte Carlo's transition: a fixed number of leapfrog steps, then a Metropolis
// accept or reject of the end point (Neal 2011).

#include "ppl/infer/mcmc/trajectory.h"

#include <optional>

namespace ppl::infer {

class HmcTrajectory : public Trajectory {
 public:
  /// `num_steps` leapfrog steps per transition, or when unset trajectory_length / step_size
  /// (at least 1).
  HmcTrajectory(double trajectory_length, std::optional<int64_t> num_steps);

  void begin(const PhasePoint& start, const Metric& metric, double step_size,
             at::Generator& generator) override;
  const Vector& pending_position() const override { return z_.q; }
  bool advance(double potential, const double* grad) override;
  const PhasePoint& state() const override { return state_; }
  const TransitionStats& stats() const override { return stats_; }

 private:
  double trajectory_length_;
  std::optional<int64_t> num_steps_;
  const Metric* metric_ = nullptr;
  at::Generator* generator_ = nullptr;
  double step_size_ = 0;
  int64_t steps_left_ = 0;
  bool left_support_ = false;
  PhasePoint z_, state_;
  Vector velocity_;
  TransitionStats stats_;
};

}  // namespace ppl::infer
