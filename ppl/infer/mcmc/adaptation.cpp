#include "ppl/infer/mcmc/adaptation.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace ppl::infer {

DualAveraging::DualAveraging(double target_accept_prob, double gamma, double t0, double kappa)
    : target_(target_accept_prob), gamma_(gamma), t0_(t0), kappa_(kappa) {
  if (!(target_accept_prob > 0 && target_accept_prob < 1))
    throw std::invalid_argument(
        fmt::format("target_accept_prob must be in (0, 1), got {}", target_accept_prob));
}

void DualAveraging::restart(double step_size) {
  mu_ = std::log(10 * step_size);
  counter_ = 0;
  s_bar_ = 0;
  x_bar_ = 0;
}

double DualAveraging::update(double accept_stat) {
  ++counter_;
  accept_stat = std::min(accept_stat, 1.0);
  const double n = static_cast<double>(counter_);
  const double eta = 1.0 / (n + t0_);
  s_bar_ = (1.0 - eta) * s_bar_ + eta * (target_ - accept_stat);
  const double x = mu_ - s_bar_ * std::sqrt(n) / gamma_;
  const double x_eta = std::pow(n, -kappa_);
  x_bar_ = (1.0 - x_eta) * x_bar_ + x_eta * x;
  return std::exp(x);
}

double DualAveraging::final_step_size() const {
  return std::exp(x_bar_);
}

MassMatrixAdaptation::MassMatrixAdaptation(int64_t dim, bool dense, int64_t warmup_steps,
                                           int64_t init_buffer, int64_t term_buffer,
                                           int64_t base_window)
    : dim_(dim),
      dense_(dense),
      warmup_steps_(warmup_steps),
      init_buffer_(init_buffer),
      term_buffer_(term_buffer),
      window_size_(base_window) {
  if (warmup_steps < 20) {
    enabled_ = false;
  } else if (init_buffer + base_window + term_buffer > warmup_steps) {
    init_buffer_ = static_cast<int64_t>(0.15 * static_cast<double>(warmup_steps));
    term_buffer_ = static_cast<int64_t>(0.1 * static_cast<double>(warmup_steps));
    window_size_ = warmup_steps - (init_buffer_ + term_buffer_);
  }
  next_window_end_ = init_buffer_ + window_size_ - 1;
  mean_.assign(dim, 0.0);
  m2_.assign(dense ? dim * dim : dim, 0.0);
}

void MassMatrixAdaptation::compute_next_window() {
  const int64_t last = warmup_steps_ - term_buffer_ - 1;
  if (next_window_end_ == last) return;
  window_size_ *= 2;
  next_window_end_ += window_size_;
  // A window that would leave less than twice its length before the terminal buffer is
  // stretched to reach it.
  if (next_window_end_ != last &&
      next_window_end_ + 2 * window_size_ >= warmup_steps_ - term_buffer_)
    next_window_end_ = last;
}

bool MassMatrixAdaptation::update(int64_t iteration, const Vector& q, Metric& metric) {
  if (!enabled_) return false;
  const bool in_window = iteration >= init_buffer_ && iteration < warmup_steps_ - term_buffer_ &&
                         iteration != warmup_steps_;
  if (in_window) {
    ++count_;
    Vector delta(dim_);
    for (int64_t i = 0; i < dim_; ++i) {
      delta[i] = q[i] - mean_[i];
      mean_[i] += delta[i] / static_cast<double>(count_);
    }
    for (int64_t i = 0; i < dim_; ++i) {
      const double after_i = q[i] - mean_[i];
      if (!dense_) {
        m2_[i] += delta[i] * after_i;
      } else {
        for (int64_t j = 0; j < dim_; ++j) m2_[i * dim_ + j] += delta[j] * after_i;
      }
    }
  }
  if (iteration != next_window_end_ || iteration == warmup_steps_) return false;
  compute_next_window();
  // The window's (co)variance, shrunk towards 1e-3 I as Stan does.
  const double n = static_cast<double>(count_);
  Vector inverse_mass(m2_.size());
  for (size_t k = 0; k < m2_.size(); ++k) {
    const bool diagonal =
        !dense_ || static_cast<int64_t>(k) / dim_ == static_cast<int64_t>(k) % dim_;
    inverse_mass[k] =
        (n / (n + 5.0)) * m2_[k] / (n - 1.0) + (diagonal ? 1e-3 * 5.0 / (n + 5.0) : 0);
  }
  metric.set_inverse_mass(std::move(inverse_mass));
  count_ = 0;
  std::fill(mean_.begin(), mean_.end(), 0.0);
  std::fill(m2_.begin(), m2_.end(), 0.0);
  return true;
}

}  // namespace ppl::infer
