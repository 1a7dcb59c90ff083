#include "ppl/infer/mcmc/nuts.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace ppl::infer {
namespace {

using Subtree = NutsTrajectory::Subtree;

/// The generalized no-U-turn criterion between two velocities and the momenta summed between.
bool no_u_turn(const Vector& velocity_minus, const Vector& velocity_plus, const Vector& rho) {
  double plus = 0, minus = 0;
  for (size_t i = 0; i < rho.size(); ++i) {
    plus += velocity_plus[i] * rho[i];
    minus += velocity_minus[i] * rho[i];
  }
  return plus > 0 && minus > 0;
}

/// `first` followed by `next` (built after it, starting where it ends) as one subtree, without
/// the proposal; true when the criterion holds across the whole and, with the neighbouring
/// momentum added, across each part with the other's nearest end (Stan's extra checks).
/// `extended` is scratch space.
bool join(Subtree& first, const Subtree& next, Vector& extended) {
  const size_t dim = first.rho.size();
  extended.resize(dim);
  for (size_t i = 0; i < dim; ++i) extended[i] = first.rho[i] + next.p_begin[i];
  bool holds = no_u_turn(first.velocity_begin, next.velocity_begin, extended);
  for (size_t i = 0; i < dim && holds; ++i) extended[i] = next.rho[i] + first.p_end[i];
  holds = holds && no_u_turn(first.velocity_end, next.velocity_end, extended);
  for (size_t i = 0; i < dim; ++i) first.rho[i] += next.rho[i];
  holds = holds && no_u_turn(first.velocity_begin, next.velocity_end, first.rho);
  first.p_end = next.p_end;
  first.velocity_end = next.velocity_end;
  return holds;
}

void reverse(Subtree& subtree) {
  std::swap(subtree.p_begin, subtree.p_end);
  std::swap(subtree.velocity_begin, subtree.velocity_end);
}

}  // namespace

NutsTrajectory::NutsTrajectory(int64_t max_tree_depth) : max_tree_depth_(max_tree_depth) {
  if (max_tree_depth < 1)
    throw std::invalid_argument(
        fmt::format("NUTS: max_tree_depth must be >= 1, got {}", max_tree_depth));
  stack_.resize(static_cast<size_t>(max_tree_depth) + 1);
}

void NutsTrajectory::begin(const PhasePoint& start, const Metric& metric, double step_size,
                           at::Generator& generator) {
  metric_ = &metric;
  generator_ = &generator;
  step_size_ = step_size;
  z_ = with_fresh_momentum(start, metric, generator);
  initial_energy_ = z_.hamiltonian(metric);
  set_to_current_point(trajectory_, 0);
  ends_[0] = ends_[1] = z_;
  depth_ = 0;
  sum_metropolis_prob_ = 0;
  stats_ = TransitionStats();
  stats_.energy = initial_energy_;
  start_subtree();
}

void NutsTrajectory::start_subtree() {
  direction_ = uniform(*generator_) > 0.5 ? 1 : -1;
  z_ = ends_[direction_ > 0 ? 1 : 0];
  stack_size_ = 0;
  start_leapfrog();
}

void NutsTrajectory::start_leapfrog() {
  leapfrog_begin(z_, *metric_, direction_ * step_size_, velocity_);
}

bool NutsTrajectory::advance(double potential, const double* grad) {
  leapfrog_end(z_, potential, grad, direction_ * step_size_);
  if (!add_leaf()) {
    finish();
    return true;
  }
  const bool subtree_done = stack_size_ == 1 && stack_[0].depth == depth_;
  if (!subtree_done) {
    start_leapfrog();
    return false;
  }
  if (!extend_trajectory() || depth_ >= max_tree_depth_) {
    finish();
    return true;
  }
  start_subtree();
  return false;
}

void NutsTrajectory::set_to_current_point(Subtree& subtree, double log_weight) const {
  subtree.depth = 0;
  subtree.p_begin = subtree.p_end = subtree.rho = z_.p;
  subtree.velocity_begin.resize(z_.p.size());
  metric_->velocity(z_.p.data(), subtree.velocity_begin.data());
  subtree.velocity_end = subtree.velocity_begin;
  subtree.log_sum_weight = log_weight;
  subtree.proposal.q = z_.q;
  subtree.proposal.grad = z_.grad;
  subtree.proposal.potential = z_.potential;
}

bool NutsTrajectory::add_leaf() {
  double energy = z_.hamiltonian(*metric_);
  if (std::isnan(energy)) energy = std::numeric_limits<double>::infinity();
  const double log_weight = initial_energy_ - energy;
  sum_metropolis_prob_ += log_weight > 0 ? 1 : std::exp(log_weight);
  ++stats_.num_steps;
  if (-log_weight > kMaxEnergyError) {
    stats_.divergent = true;
    return false;
  }
  set_to_current_point(stack_[stack_size_++], log_weight);
  // Join equal subtrees, the older first, as the recursion returns; the newer's proposal is
  // taken with its share of the weight (uniform progressive sampling).
  while (stack_size_ >= 2 && stack_[stack_size_ - 2].depth == stack_[stack_size_ - 1].depth) {
    Subtree& first = stack_[stack_size_ - 2];
    Subtree& next = stack_[stack_size_ - 1];
    const double log_sum_weight = log_add_exp(first.log_sum_weight, next.log_sum_weight);
    if (uniform(*generator_) < std::exp(next.log_sum_weight - log_sum_weight))
      std::swap(first.proposal, next.proposal);
    first.log_sum_weight = log_sum_weight;
    ++first.depth;
    const bool holds = join(first, next, scratch_);
    --stack_size_;
    if (!holds) return false;
  }
  return true;
}

bool NutsTrajectory::extend_trajectory() {
  Subtree& subtree = stack_[0];
  ++depth_;
  // Biased progressive sampling: the new half's proposal replaces the current one with
  // probability min(1, its weight / the old trajectory's).
  if (subtree.log_sum_weight > trajectory_.log_sum_weight ||
      uniform(*generator_) < std::exp(subtree.log_sum_weight - trajectory_.log_sum_weight))
    std::swap(trajectory_.proposal, subtree.proposal);
  trajectory_.log_sum_weight = log_add_exp(trajectory_.log_sum_weight, subtree.log_sum_weight);
  ends_[direction_ > 0 ? 1 : 0] = z_;
  // The old trajectory comes first along the direction of growth.
  if (direction_ < 0) reverse(trajectory_);
  const bool holds = join(trajectory_, subtree, scratch_);
  if (direction_ < 0) reverse(trajectory_);
  return holds;
}

void NutsTrajectory::finish() {
  stats_.tree_depth = depth_;
  stats_.accept_stat = sum_metropolis_prob_ / static_cast<double>(stats_.num_steps);
  sample_ = trajectory_.proposal;
}

}  // namespace ppl::infer
