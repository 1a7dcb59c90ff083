#include "ppl/infer/mcmc/chain.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace ppl::infer {

Chain::Chain(PhasePoint start, const ChainSettings& settings, int64_t warmup_steps,
             int64_t num_samples, at::Generator generator)
    : settings_(settings),
      warmup_steps_(warmup_steps),
      num_samples_(num_samples),
      generator_(std::move(generator)),
      metric_(static_cast<int64_t>(start.q.size()), settings.full_mass),
      step_size_(settings.step_size),
      step_size_adaptation_(settings.target_accept_prob),
      mass_matrix_adaptation_(static_cast<int64_t>(start.q.size()), settings.full_mass,
                              warmup_steps),
      trajectory_(settings.make_trajectory()),
      state_(std::move(start)) {
  if (!(step_size_ > 0 && std::isfinite(step_size_)))
    throw std::invalid_argument(fmt::format("step_size must be > 0, got {}", step_size_));
  draws_.reserve(static_cast<size_t>(num_samples * metric_.dim()));
  stats_.reserve(static_cast<size_t>(warmup_steps + num_samples));
  search_pending_ = settings_.adapt_step_size && warmup_steps_ > 0;
  begin_iteration();
}

const Vector& Chain::pending_position() const {
  return phase_ == Phase::step_size_search ? search_point_.q : trajectory_->pending_position();
}

void Chain::begin_iteration() {
  if (iteration_ == warmup_steps_ + num_samples_) {
    phase_ = Phase::finished;
    return;
  }
  if (search_pending_) {
    search_pending_ = false;
    phase_ = Phase::step_size_search;
    search_direction_ = 0;
    begin_search_step();
    return;
  }
  phase_ = Phase::transition;
  trajectory_->begin(state_, metric_, step_size_, generator_);
}

void Chain::begin_search_step() {
  search_point_ = with_fresh_momentum(state_, metric_, generator_);
  search_start_energy_ = search_point_.hamiltonian(metric_);
  leapfrog_begin(search_point_, metric_, step_size_, velocity_);
}

bool Chain::search_done(double energy_error) {
  const double log_threshold = std::log(0.8);
  const double log_accept = -energy_error;
  if (search_direction_ == 0) {  // the first step only tells which way to go
    search_direction_ = log_accept > log_threshold ? 1 : -1;
    return false;
  }
  if (search_direction_ == 1 ? !(log_accept > log_threshold) : !(log_accept < log_threshold))
    return true;
  step_size_ = search_direction_ == 1 ? 2 * step_size_ : 0.5 * step_size_;
  if (step_size_ > 1e7)
    throw std::runtime_error(
        "MCMC: the step size grew past 1e7 while searching for a reasonable one: the posterior "
        "seems improper (check the model's priors)");
  if (step_size_ == 0)
    throw std::runtime_error(
        "MCMC: no acceptably small step size was found: the model's potential energy may be "
        "discontinuous or not finite near the initial point");
  return false;
}

void Chain::advance(double potential, const double* grad) {
  ++gradient_evaluations_;
  if (phase_ == Phase::step_size_search) {
    leapfrog_end(search_point_, potential, grad, step_size_);
    double energy = search_point_.hamiltonian(metric_);
    if (std::isnan(energy)) energy = std::numeric_limits<double>::infinity();
    if (!search_done(energy - search_start_energy_)) {
      begin_search_step();
      return;
    }
    step_size_adaptation_.restart(step_size_);
    begin_iteration();
    return;
  }
  if (!trajectory_->advance(potential, grad)) return;
  end_transition();
  begin_iteration();
}

void Chain::end_transition() {
  const TransitionStats& stats = trajectory_->stats();
  state_ = trajectory_->state();
  stats_.push_back(stats);
  if (iteration_ < warmup_steps_) {
    if (settings_.adapt_step_size) step_size_ = step_size_adaptation_.update(stats.accept_stat);
    if (settings_.adapt_mass_matrix &&
        mass_matrix_adaptation_.update(iteration_, state_.q, metric_))
      search_pending_ = settings_.adapt_step_size;
    if (iteration_ == warmup_steps_ - 1 && settings_.adapt_step_size)
      step_size_ = step_size_adaptation_.final_step_size();
  } else {
    draws_.insert(draws_.end(), state_.q.begin(), state_.q.end());
  }
  ++iteration_;
}

}  // namespace ppl::infer
