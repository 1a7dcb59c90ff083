#pragma once
// The pieces of Hamiltonian dynamics that one chain works with, on plain vectors: the metric
// (inverse mass matrix), phase-space points, the leapfrog step and the chain's random numbers.

#include <ATen/core/Generator.h>

#include <cstdint>
#include <vector>

namespace ppl::infer {

using Vector = std::vector<double>;

/// The inverse mass matrix M^-1, diagonal or dense (row-major), with the Cholesky factor L of
/// M^-1 = L L^T that momentum draws need.
class Metric {
 public:
  /// The identity of dimension `dim`, diagonal or dense.
  Metric(int64_t dim, bool dense);
  /// Sets M^-1: `dim` entries when diagonal, dim*dim (symmetric positive definite) when dense.
  void set_inverse_mass(Vector inverse_mass);

  bool dense() const { return dense_; }
  int64_t dim() const { return dim_; }
  const Vector& inverse_mass() const { return inverse_mass_; }

  /// M^-1 p: the velocity (Stan's dtau/dp, the "sharp" momentum of the U-turn criterion).
  void velocity(const double* p, double* v) const;
  /// p^T M^-1 p / 2.
  double kinetic_energy(const double* p) const;
  /// p ~ N(0, M).
  void draw_momentum(double* p, at::Generator& generator) const;

 private:
  int64_t dim_;
  bool dense_;
  Vector inverse_mass_;
  Vector cholesky_;  ///< lower triangular L with M^-1 = L L^T (dense only)
};

/// A point of phase space with the potential energy and its gradient at the position.
struct PhasePoint {
  Vector q, p, grad;
  double potential = 0;

  double hamiltonian(const Metric& metric) const {
    return potential + metric.kinetic_energy(p.data());
  }
};

/// A copy of `z` with a fresh momentum p ~ N(0, M): the start of a trajectory.
PhasePoint with_fresh_momentum(const PhasePoint& z, const Metric& metric, at::Generator& generator);

/// The leapfrog step, split where it needs the gradient at the new position: `begin` makes the
/// first half-kick and the drift, `end` the second half-kick. `step` may be negative.
void leapfrog_begin(PhasePoint& z, const Metric& metric, double step, Vector& velocity);
void leapfrog_end(PhasePoint& z, double potential, const double* grad, double step);

/// A uniform draw in [0, 1) and a standard normal draw from `generator` (a CPU generator).
double uniform(at::Generator& generator);
double standard_normal(at::Generator& generator);

/// log(exp(a) + exp(b)), exact for -inf.
double log_add_exp(double a, double b);

}  // namespace ppl::infer
