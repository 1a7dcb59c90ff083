#pragma once
// The distribution interface every ppl distribution implements.
//
// Distributions are small value types holding tensor handles (copying one is cheap). A sample site
// keeps its distribution as a `DistributionPtr`, so a trace can outlive the model call.

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ppl::dist {

using Shape = std::vector<int64_t>;

class Distribution;
class Independent;
class MaskedDistribution;
using DistributionPtr = std::shared_ptr<const Distribution>;

/// Global switch for argument and support validation (on by default, as in Pyro and PyTorch).
/// Validation costs a host sync per check: turn it off in hot training loops.
void set_validation_enabled(bool enabled);
bool is_validation_enabled();

class Distribution {
 public:
  virtual ~Distribution() = default;

  /// Short name used in messages and trace tables ("Normal", "Independent", ...).
  virtual std::string name() const = 0;

  const Shape& batch_shape() const { return batch_shape_; }
  const Shape& event_shape() const { return event_shape_; }
  int64_t event_dim() const { return static_cast<int64_t>(event_shape_.size()); }
  /// sample_shape + batch_shape + event_shape.
  Shape extended_shape(const Shape& sample_shape = {}) const;

  /// Whether `rsample` gives reparameterized (pathwise-differentiable) draws.
  virtual bool has_rsample() const { return false; }
  /// A draw without gradient.
  virtual torch::Tensor sample(const Shape& sample_shape = {},
                               c10::optional<at::Generator> generator = c10::nullopt) const;
  /// A reparameterized draw; throws for distributions without `has_rsample()`.
  virtual torch::Tensor rsample(const Shape& sample_shape = {},
                                c10::optional<at::Generator> generator = c10::nullopt) const;
  /// `rsample` when available, else `sample` (what a sample site draws by default).
  torch::Tensor draw(const Shape& sample_shape = {},
                     c10::optional<at::Generator> generator = c10::nullopt) const;

  /// Log density of `value`; its shape is the broadcast of value's batch part and batch_shape.
  virtual torch::Tensor log_prob(const torch::Tensor& value) const = 0;

  virtual torch::Tensor mean() const;
  virtual torch::Tensor variance() const;
  virtual torch::Tensor entropy() const;

  /// The same distribution with its parameters broadcast to `batch_shape`.
  virtual DistributionPtr expand(const Shape& batch_shape) const = 0;
  /// A copy of this distribution behind a shared pointer.
  virtual DistributionPtr clone() const = 0;

  /// Reinterprets the rightmost `n` batch dims as event dims (Pyro's `.to_event(n)`).
  Independent to_event(int64_t n = 1) const;
  /// Zeroes log_prob where `mask` is false (Pyro's `.mask(mask)`); `mask` broadcasts to batch.
  MaskedDistribution mask(const torch::Tensor& mask) const;

  /// Whether this instance validates (its own override, else the global switch).
  bool validating() const { return validate_args_.value_or(is_validation_enabled()); }

 protected:
  Distribution(Shape batch_shape, Shape event_shape, std::optional<bool> validate_args)
      : batch_shape_(std::move(batch_shape)),
        event_shape_(std::move(event_shape)),
        validate_args_(validate_args) {}

  /// Throws std::invalid_argument naming this distribution when `value` is not in the support.
  /// `in_support` is a boolean tensor (elementwise, or per event); `support` names the support.
  /// Costs a host sync: call it only when `validating()`.
  void check_support(const torch::Tensor& value, const torch::Tensor& in_support,
                     const std::string& support) const;
  /// Throws std::invalid_argument ("Normal: argument 'scale' must be positive, found -1 (at index
  /// 3)") when `satisfied` is false anywhere. Costs a host sync: call it only when `validating()`.
  void check_argument(const char* argument, const torch::Tensor& value,
                      const torch::Tensor& satisfied, const std::string& constraint) const;
  /// Throws std::invalid_argument naming this distribution unless batch_shape() broadcasts to
  /// `batch_shape`.
  void check_expand(const Shape& batch_shape) const;

  Shape batch_shape_;
  Shape event_shape_;
  std::optional<bool> validate_args_;
};

/// Implements `clone()` for a concrete distribution type.
template <class Derived>
class DistributionBase : public Distribution {
 public:
  DistributionPtr clone() const override {
    return std::make_shared<Derived>(static_cast<const Derived&>(*this));
  }

 protected:
  using Distribution::Distribution;
};

/// Shape as text: "(3, 4)".
std::string shape_str(c10::IntArrayRef shape);
/// The multi-index of the first true element of a boolean tensor, or nullopt when none is.
std::optional<std::vector<int64_t>> first_true_index(const torch::Tensor& flags);
/// The broadcast of two shapes, or std::invalid_argument naming `what`.
Shape broadcast_shapes(c10::IntArrayRef a, c10::IntArrayRef b, const std::string& what);

}  // namespace ppl::dist

#include "ppl/distributions/independent.h"
#include "ppl/distributions/masked.h"
