#pragma once
// Warm-up adaptation as Stan does it: the step size by dual averaging (Hoffman & Gelman 2014,
// Stan's stepsize_adaptation) and the inverse mass matrix from the draws of doubling windows
// (Stan's windowed_adaptation with its variance and covariance estimators).

#include "ppl/infer/mcmc/hamiltonian.h"

#include <cstdint>

namespace ppl::infer {

/// Nesterov dual averaging of log step size towards a target acceptance statistic.
class DualAveraging {
 public:
  explicit DualAveraging(double target_accept_prob, double gamma = 0.05, double t0 = 10,
                         double kappa = 0.75);
  /// Starts afresh, pulling log step size towards log(10 * step_size).
  void restart(double step_size);
  /// The step size for the next iteration, after one with acceptance statistic `accept_stat`.
  double update(double accept_stat);
  /// The step size at the end of adaptation: exp of the averaged log step size.
  double final_step_size() const;

 private:
  double target_, gamma_, t0_, kappa_;
  double mu_ = 0, s_bar_ = 0, x_bar_ = 0;
  int64_t counter_ = 0;
};

/// Stan's windowed schedule of `warmup_steps` iterations: a fast initial buffer (step size
/// only), slow windows that double in length (each ends with a new inverse mass matrix from its
/// draws, regularised towards 1e-3 I), a fast terminal buffer. For fewer than 20 warm-up steps
/// the mass matrix is not adapted; short warm-ups shrink the buffers to 15% and 10%.
class MassMatrixAdaptation {
 public:
  MassMatrixAdaptation(int64_t dim, bool dense, int64_t warmup_steps, int64_t init_buffer = 75,
                       int64_t term_buffer = 50, int64_t base_window = 25);
  /// Adds the position of warm-up iteration number `iteration` (0-based, called once per
  /// iteration); true when a window ended and `metric` got its new inverse mass matrix.
  bool update(int64_t iteration, const Vector& q, Metric& metric);

 private:
  void compute_next_window();

  int64_t dim_;
  bool dense_;
  int64_t warmup_steps_, init_buffer_, term_buffer_, window_size_, next_window_end_;
  bool enabled_ = true;
  // Welford's running mean and (co)variance sums of the window's draws.
  int64_t count_ = 0;
  Vector mean_, m2_;
};

}  // namespace ppl::infer
