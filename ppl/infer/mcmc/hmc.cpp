#include "ppl/infer/mcmc/hmc.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace ppl::infer {

HmcTrajectory::HmcTrajectory(double trajectory_length, std::optional<int64_t> num_steps)
    : trajectory_length_(trajectory_length), num_steps_(num_steps) {
  if (num_steps && *num_steps < 1)
    throw std::invalid_argument(fmt::format("HMC: num_steps must be >= 1, got {}", *num_steps));
  if (!num_steps && !(trajectory_length > 0))
    throw std::invalid_argument(
        fmt::format("HMC: trajectory_length must be > 0, got {}", trajectory_length));
}

void HmcTrajectory::begin(const PhasePoint& start, const Metric& metric, double step_size,
                          at::Generator& generator) {
  metric_ = &metric;
  generator_ = &generator;
  step_size_ = step_size;
  state_ = start;
  z_ = with_fresh_momentum(start, metric, generator);
  stats_ = TransitionStats();
  stats_.energy = z_.hamiltonian(metric);
  left_support_ = false;
  steps_left_ = num_steps_
                    ? *num_steps_
                    : std::max<int64_t>(1, static_cast<int64_t>(trajectory_length_ / step_size));
  leapfrog_begin(z_, metric, step_size_, velocity_);
}

bool HmcTrajectory::advance(double potential, const double* grad) {
  leapfrog_end(z_, potential, grad, step_size_);
  ++stats_.num_steps;
  // Once the trajectory has left the region where the potential is finite, it is rejected.
  left_support_ = left_support_ || !std::isfinite(potential);
  if (--steps_left_ > 0) {
    leapfrog_begin(z_, *metric_, step_size_, velocity_);
    return false;
  }
  double energy = z_.hamiltonian(*metric_);
  if (std::isnan(energy) || left_support_) energy = std::numeric_limits<double>::infinity();
  const double energy_error = energy - stats_.energy;
  stats_.divergent = energy_error > kMaxEnergyError;
  stats_.accept_stat = std::min(1.0, std::exp(-energy_error));
  if (uniform(*generator_) < stats_.accept_stat) state_ = z_;
  return true;
}

}  // namespace ppl::infer
