#pragma once
// Constraints: the support of a distribution or the domain of a parameter (Pyro's
// `torch.distributions.constraints`). Each has a text form so a param store file can name it.

#include <torch/torch.h>

#include <memory>
#include <string>

namespace ppl::constraints {

class Constraint {
 public:
  virtual ~Constraint() = default;
  /// Text form that `parse` reads back: "real", "positive", "greater_than(2)", "interval(0, 1)"...
  virtual std::string to_string() const = 0;
  /// Elementwise (over the event for event_dim > 0) boolean tensor: value satisfies the constraint.
  virtual torch::Tensor check(const torch::Tensor& value) const = 0;
  /// Number of rightmost dims that form one constrained event (1 for simplex).
  virtual int64_t event_dim() const { return 0; }
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
  explicit GreaterThan(double lower_bound) : lower_bound_(lower_bound) {}
  double lower_bound() const { return lower_bound_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;

 private:
  double lower_bound_;
};

/// value > 0.
class Positive : public GreaterThan {
 public:
  Positive() : GreaterThan(0) {}
  std::string to_string() const override { return "positive"; }
};

/// lower_bound <= value <= upper_bound.
class Interval : public Constraint {
 public:
  Interval(double lower_bound, double upper_bound)
      : lower_bound_(lower_bound), upper_bound_(upper_bound) {}
  double lower_bound() const { return lower_bound_; }
  double upper_bound() const { return upper_bound_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;

 private:
  double lower_bound_;
  double upper_bound_;
};

/// 0 <= value <= 1.
class UnitInterval : public Interval {
 public:
  UnitInterval() : Interval(0, 1) {}
  std::string to_string() const override { return "unit_interval"; }
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
};

/// Integers in [lower_bound, upper_bound].
class IntegerInterval : public Constraint {
 public:
  IntegerInterval(int64_t lower_bound, int64_t upper_bound)
      : lower_bound_(lower_bound), upper_bound_(upper_bound) {}
  int64_t lower_bound() const { return lower_bound_; }
  int64_t upper_bound() const { return upper_bound_; }
  std::string to_string() const override;
  torch::Tensor check(const torch::Tensor& value) const override;

 private:
  int64_t lower_bound_;
  int64_t upper_bound_;
};

extern const ConstraintPtr real;
extern const ConstraintPtr positive;
extern const ConstraintPtr unit_interval;
extern const ConstraintPtr simplex;
extern const ConstraintPtr boolean;
ConstraintPtr greater_than(double lower_bound);
ConstraintPtr interval(double lower_bound, double upper_bound);
/// Integers in [lower_bound, upper_bound] (the support of Categorical).
ConstraintPtr integer_interval(int64_t lower_bound, int64_t upper_bound);

/// Reads a constraint back from `Constraint::to_string()`; std::invalid_argument if unknown.
ConstraintPtr parse(const std::string& text);

}  // namespace ppl::constraints
