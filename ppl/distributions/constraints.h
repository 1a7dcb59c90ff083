#pragma once
// Constraints: the support of a distribution or the domain of a parameter (PyTorch's
// `torch.distributions.constraints`). Each has a text form so a param store file can name it.
// Bounds are numbers or tensors: a dependent support (Uniform's interval(low, high), Binomial's
// integer_interval(0, total_count)) is built from the distribution's parameters.

#include "ppl/distributions/tensor_or_number.h"

#include <memory>
#include <string>

namespace ppl::constraints {

/// A constraint's bound: a number, or a tensor that broadcasts against the values checked.
using Bound = dist::TensorOrNumber;

class Constraint {
 public:
  virtual ~Constraint() = default;
  /// Text form that `parse` reads back: "real", "positive", "greater_than(2)", "interval(0, 1)"...
  virtual std::string to_string() const = 0;
  /// Boolean tensor, one element per event of `event_dim()` dims: value satisfies the constraint.
  virtual torch::Tensor check(const torch::Tensor& value) const = 0;
  /// Number of rightmost dims that form one constrained event (1 for simplex, 2 for matrices).
  virtual int64_t event_dim() const { return 0; }
  /// Whether the constrained values are discrete (integers, booleans, one-hot vectors).
  virtual bool is_discrete() const { return false; }
};

using ConstraintPtr = std::shared_ptr<const Constraint>;

/// Real numbers (not NaN; infinities allowed, as in PyTorch).
class Real : public Constraint {
 public:
  std::string to_string() const override { return "real"; }
  torch::Tensor check(const torch::Tensor& value) const override;
};

/// value > lower_bound.
class GreaterThan : public Constraint {
 public:
  explicit GreaterThan(Bound lower_bound) : lower_bound_(std::move(lower_bound)) {}
  const Bound& lower_bound() const { return lower_bound_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;

 private:
  Bound lower_bound_;
};

/// value > 0.
class Positive : public GreaterThan {
 public:
  Positive() : GreaterThan(0.0) {}
  std::string to_string() const override { return "positive"; }
};

/// value > 0, reached from the reals through softplus rather than exp (Pyro's
/// softplus_positive): gentler for scales that an optimizer moves.
class SoftplusPositive : public GreaterThan {
 public:
  SoftplusPositive() : GreaterThan(0.0) {}
  std::string to_string() const override { return "softplus_positive"; }
};

/// value >= lower_bound.
class GreaterThanEq : public Constraint {
 public:
  explicit GreaterThanEq(Bound lower_bound) : lower_bound_(std::move(lower_bound)) {}
  const Bound& lower_bound() const { return lower_bound_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;

 private:
  Bound lower_bound_;
};

/// value >= 0.
class Nonnegative : public GreaterThanEq {
 public:
  Nonnegative() : GreaterThanEq(0.0) {}
  std::string to_string() const override { return "nonnegative"; }
};

/// value < upper_bound.
class LessThan : public Constraint {
 public:
  explicit LessThan(Bound upper_bound) : upper_bound_(std::move(upper_bound)) {}
  const Bound& upper_bound() const { return upper_bound_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;

 private:
  Bound upper_bound_;
};

/// lower_bound <= value <= upper_bound.
class Interval : public Constraint {
 public:
  Interval(Bound lower_bound, Bound upper_bound)
      : lower_bound_(std::move(lower_bound)), upper_bound_(std::move(upper_bound)) {}
  const Bound& lower_bound() const { return lower_bound_; }
  const Bound& upper_bound() const { return upper_bound_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;

 private:
  Bound lower_bound_;
  Bound upper_bound_;
};

/// 0 <= value <= 1.
class UnitInterval : public Interval {
 public:
  UnitInterval() : Interval(0.0, 1.0) {}
  std::string to_string() const override { return "unit_interval"; }
};

/// lower_bound <= value < upper_bound.
class HalfOpenInterval : public Interval {
 public:
  using Interval::Interval;
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;
};

/// Nonnegative vectors (last dim) summing to 1 within a dtype-dependent tolerance.
class Simplex : public Constraint {
 public:
  std::string to_string() const override { return "simplex"; }
  torch::Tensor check(const torch::Tensor& value) const override;
  int64_t event_dim() const override { return 1; }
};

/// value is 0 or 1.
class Boolean : public Constraint {
 public:
  std::string to_string() const override { return "boolean"; }
  torch::Tensor check(const torch::Tensor& value) const override;
  bool is_discrete() const override { return true; }
};

/// Integers in [lower_bound, upper_bound].
class IntegerInterval : public Constraint {
 public:
  IntegerInterval(Bound lower_bound, Bound upper_bound)
      : lower_bound_(std::move(lower_bound)), upper_bound_(std::move(upper_bound)) {}
  const Bound& lower_bound() const { return lower_bound_; }
  const Bound& upper_bound() const { return upper_bound_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;
  bool is_discrete() const override { return true; }

 private:
  Bound lower_bound_;
  Bound upper_bound_;
};

/// Integers >= lower_bound (nonnegative_integer: 0, positive_integer: 1).
class IntegerGreaterThanEq : public Constraint {
 public:
  explicit IntegerGreaterThanEq(int64_t lower_bound) : lower_bound_(lower_bound) {}
  int64_t lower_bound() const { return lower_bound_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;
  bool is_discrete() const override { return true; }

 private:
  int64_t lower_bound_;
};

/// One-hot vectors (last dim): entries 0 or 1, exactly one 1.
class OneHot : public Constraint {
 public:
  std::string to_string() const override { return "one_hot"; }
  torch::Tensor check(const torch::Tensor& value) const override;
  int64_t event_dim() const override { return 1; }
  bool is_discrete() const override { return true; }
};

/// Vectors (last dim) of nonnegative integers summing to at most total_count (PyTorch's
/// `multinomial` constraint).
class MultinomialCount : public Constraint {
 public:
  explicit MultinomialCount(Bound total_count) : total_count_(std::move(total_count)) {}
  const Bound& total_count() const { return total_count_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;
  int64_t event_dim() const override { return 1; }
  bool is_discrete() const override { return true; }

 private:
  Bound total_count_;
};

/// Square lower-triangular matrices with positive diagonal.
class LowerCholesky : public Constraint {
 public:
  std::string to_string() const override { return "lower_cholesky"; }
  torch::Tensor check(const torch::Tensor& value) const override;
  int64_t event_dim() const override { return 2; }
};

/// Square lower-triangular matrices with unit diagonal (Pyro's unit_lower_cholesky).
class UnitLowerCholesky : public Constraint {
 public:
  std::string to_string() const override { return "unit_lower_cholesky"; }
  torch::Tensor check(const torch::Tensor& value) const override;
  int64_t event_dim() const override { return 2; }
};

/// Lower Cholesky factors of correlation matrices: lower_cholesky with rows of unit norm.
class CorrCholesky : public Constraint {
 public:
  std::string to_string() const override { return "corr_cholesky"; }
  torch::Tensor check(const torch::Tensor& value) const override;
  int64_t event_dim() const override { return 2; }
};

/// Symmetric positive-definite matrices.
class PositiveDefinite : public Constraint {
 public:
  std::string to_string() const override { return "positive_definite"; }
  torch::Tensor check(const torch::Tensor& value) const override;
  int64_t event_dim() const override { return 2; }
};

/// `base` over events of `reinterpreted_batch_ndims` more rightmost dims (real_vector is
/// independent(real, 1)).
class IndependentConstraint : public Constraint {
 public:
  IndependentConstraint(ConstraintPtr base, int64_t reinterpreted_batch_ndims);
  const ConstraintPtr& base() const { return base_; }
  int64_t reinterpreted_batch_ndims() const { return reinterpreted_batch_ndims_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;
  int64_t event_dim() const override { return base_->event_dim() + reinterpreted_batch_ndims_; }
  bool is_discrete() const override { return base_->is_discrete(); }

 private:
  ConstraintPtr base_;
  int64_t reinterpreted_batch_ndims_;
};

/// A constraint that cannot be checked (a wrapper's support, or an argument whose validity
/// depends on the others); `check` throws, and validation skips it.
class Dependent : public Constraint {
 public:
  explicit Dependent(bool is_discrete = false, int64_t event_dim = 0)
      : is_discrete_(is_discrete), event_dim_(event_dim) {}
  std::string to_string() const override { return "dependent"; }
  torch::Tensor check(const torch::Tensor& value) const override;
  int64_t event_dim() const override { return event_dim_; }
  bool is_discrete() const override { return is_discrete_; }

 private:
  bool is_discrete_;
  int64_t event_dim_;
};

extern const ConstraintPtr real;
extern const ConstraintPtr real_vector;
extern const ConstraintPtr positive;
extern const ConstraintPtr softplus_positive;
extern const ConstraintPtr nonnegative;
extern const ConstraintPtr unit_interval;
extern const ConstraintPtr simplex;
extern const ConstraintPtr boolean;
extern const ConstraintPtr nonnegative_integer;
extern const ConstraintPtr positive_integer;
extern const ConstraintPtr one_hot;
extern const ConstraintPtr lower_cholesky;
extern const ConstraintPtr unit_lower_cholesky;
extern const ConstraintPtr corr_cholesky;
extern const ConstraintPtr positive_definite;
extern const ConstraintPtr dependent;
ConstraintPtr greater_than(Bound lower_bound);
ConstraintPtr greater_than_eq(Bound lower_bound);
ConstraintPtr less_than(Bound upper_bound);
ConstraintPtr interval(Bound lower_bound, Bound upper_bound);
ConstraintPtr half_open_interval(Bound lower_bound, Bound upper_bound);
/// Integers in [lower_bound, upper_bound] (the support of Categorical and Binomial).
ConstraintPtr integer_interval(Bound lower_bound, Bound upper_bound);
ConstraintPtr multinomial(Bound total_count);
ConstraintPtr independent(ConstraintPtr base, int64_t reinterpreted_batch_ndims);

/// Reads a constraint back from `Constraint::to_string()` (those with number bounds);
/// std::invalid_argument if unknown.
ConstraintPtr parse(const std::string& text);

/// How `value` breaks a constraint where `satisfied` (its `check`) is false first: "found -1 (at
/// index 3)", the whole event "found (0.5, -0.5, 1)" for a small event constraint.
std::string describe_violation(const torch::Tensor& value, const torch::Tensor& satisfied);

}  // namespace ppl::constraints
