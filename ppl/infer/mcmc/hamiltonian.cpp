#include "ppl/infer/mcmc/hamiltonian.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/DistributionsHelper.h>
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace ppl::infer {

Metric::Metric(int64_t dim, bool dense) : dim_(dim), dense_(dense) {
  Vector identity(dense ? dim * dim : dim, 0.0);
  for (int64_t i = 0; i < dim; ++i) identity[dense ? i * dim + i : i] = 1.0;
  set_inverse_mass(std::move(identity));
}

void Metric::set_inverse_mass(Vector inverse_mass) {
  const size_t expected = static_cast<size_t>(dense_ ? dim_ * dim_ : dim_);
  if (inverse_mass.size() != expected)
    throw std::invalid_argument(
        fmt::format("Metric: expected {} entries of the inverse mass "
                    "matrix, got {}",
                    expected, inverse_mass.size()));
  inverse_mass_ = std::move(inverse_mass);
  if (!dense_) return;
  // Cholesky–Banachiewicz: M^-1 = L L^T.
  cholesky_.assign(inverse_mass_.size(), 0.0);
  for (int64_t i = 0; i < dim_; ++i) {
    for (int64_t j = 0; j <= i; ++j) {
      double sum = inverse_mass_[i * dim_ + j];
      for (int64_t k = 0; k < j; ++k) sum -= cholesky_[i * dim_ + k] * cholesky_[j * dim_ + k];
      if (i == j) {
        if (!(sum > 0))
          throw std::invalid_argument("Metric: the inverse mass matrix is not positive definite");
        cholesky_[i * dim_ + i] = std::sqrt(sum);
      } else {
        cholesky_[i * dim_ + j] = sum / cholesky_[j * dim_ + j];
      }
    }
  }
}

void Metric::velocity(const double* p, double* v) const {
  if (!dense_) {
    for (int64_t i = 0; i < dim_; ++i) v[i] = inverse_mass_[i] * p[i];
    return;
  }
  for (int64_t i = 0; i < dim_; ++i) {
    const double* row = &inverse_mass_[i * dim_];
    double sum = 0;
    for (int64_t j = 0; j < dim_; ++j) sum += row[j] * p[j];
    v[i] = sum;
  }
}

double Metric::kinetic_energy(const double* p) const {
  double sum = 0;
  if (!dense_) {
    for (int64_t i = 0; i < dim_; ++i) sum += inverse_mass_[i] * p[i] * p[i];
    return 0.5 * sum;
  }
  for (int64_t i = 0; i < dim_; ++i) {
    const double* row = &inverse_mass_[i * dim_];
    double row_sum = 0;
    for (int64_t j = 0; j < dim_; ++j) row_sum += row[j] * p[j];
    sum += p[i] * row_sum;
  }
  return 0.5 * sum;
}

void Metric::draw_momentum(double* p, at::Generator& generator) const {
  if (!dense_) {
    for (int64_t i = 0; i < dim_; ++i)
      p[i] = standard_normal(generator) / std::sqrt(inverse_mass_[i]);
    return;
  }
  // p = L^-T u has covariance (L L^T)^-1 = M: back substitution on L^T.
  for (int64_t i = 0; i < dim_; ++i) p[i] = standard_normal(generator);
  for (int64_t i = dim_ - 1; i >= 0; --i) {
    double sum = p[i];
    for (int64_t k = i + 1; k < dim_; ++k) sum -= cholesky_[k * dim_ + i] * p[k];
    p[i] = sum / cholesky_[i * dim_ + i];
  }
}

PhasePoint with_fresh_momentum(const PhasePoint& z, const Metric& metric,
                               at::Generator& generator) {
  PhasePoint fresh = z;
  fresh.p.resize(fresh.q.size());
  metric.draw_momentum(fresh.p.data(), generator);
  return fresh;
}

void leapfrog_begin(PhasePoint& z, const Metric& metric, double step, Vector& velocity) {
  const size_t dim = z.q.size();
  for (size_t i = 0; i < dim; ++i) z.p[i] -= 0.5 * step * z.grad[i];
  velocity.resize(dim);
  metric.velocity(z.p.data(), velocity.data());
  for (size_t i = 0; i < dim; ++i) z.q[i] += step * velocity[i];
}

void leapfrog_end(PhasePoint& z, double potential, const double* grad, double step) {
  z.potential = potential;
  z.grad.assign(grad, grad + z.q.size());
  for (size_t i = 0; i < z.q.size(); ++i) z.p[i] -= 0.5 * step * z.grad[i];
}

double uniform(at::Generator& generator) {
  auto* cpu = generator.get<at::CPUGeneratorImpl>();
  at::uniform_real_distribution<double> draw(0.0, 1.0);
  return draw(cpu);
}

double standard_normal(at::Generator& generator) {
  auto* cpu = generator.get<at::CPUGeneratorImpl>();
  at::normal_distribution<double> draw(0.0, 1.0);
  return draw(cpu);
}

double log_add_exp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  return a > b ? a + std::log1p(std::exp(b - a)) : b + std::log1p(std::exp(a - b));
}

}  // namespace ppl::infer
