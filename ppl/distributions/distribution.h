#pragma once
// The distribution interface every ppl distribution implements.
//
// Distributions are small value types holding tensor handles (copying one is cheap). A sample site
// keeps its distribution as a `DistributionPtr`, so a trace can outlive the model call.
//
// A distribution declares itself: `args()` names its parameter tensors with their constraints,
// `support()` the values it puts mass on. Argument validation, support validation and `expand`
// are generic, driven by those declarations. A new distribution is a constructor, `args`,
// `support`, `log_prob` and a sampler (docs/distributions.md has a whole one):
//
//   Beta::Beta(TensorOrNumber concentration1, TensorOrNumber concentration0,
//              std::optional<bool> validate_args)
//       : DistributionBase(validate_args) {
//     std::tie(concentration1_, concentration0_) =
//         broadcast_all("Beta", concentration1, concentration0);
//     init(concentration1_.sizes());  // batch shape, then argument validation
//   }
//   std::vector<Arg> Beta::args() const {
//     return {{"concentration1", &concentration1_, constraints::positive},
//             {"concentration0", &concentration0_, constraints::positive}};
//   }

#include "ppl/distributions/constraints.h"
#include "ppl/distributions/shape.h"
#include "ppl/distributions/tensor_or_number.h"
#include "ppl/distributions/validation.h"

#include <torch/torch.h>

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace ppl::dist {

class Distribution;
class Expanded;
class Independent;
class MaskedDistribution;
using DistributionPtr = std::shared_ptr<const Distribution>;

/// One parameter as a distribution declares it: its name, its tensor (undefined when the
/// distribution was built from another parameterization, as probs versus logits), its constraint,
/// how many of its rightmost dims are not batch dims (1 for Categorical's probs, 2 for a
/// covariance matrix), and for probabilities the constructor taking logits instead, which the
/// error names when values outside [0, 1] suggest logits were passed as probs.
struct Arg {
  const char* name;
  const torch::Tensor* value;
  constraints::ConstraintPtr constraint;
  int64_t event_dim = 0;
  const char* logits_form = nullptr;  ///< "Bernoulli::from_logits(logits)"
};

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
  /// Cumulative distribution function P(X <= value), where a closed form exists.
  virtual torch::Tensor cdf(const torch::Tensor& value) const;
  /// The inverse of `cdf`, where a closed form exists.
  virtual torch::Tensor icdf(const torch::Tensor& value) const;

  virtual torch::Tensor mean() const;
  virtual torch::Tensor variance() const;
  torch::Tensor stddev() const { return variance().sqrt(); }
  virtual torch::Tensor entropy() const;

  /// (name, constraint) of every parameter this instance holds (PyTorch's `arg_constraints`).
  std::vector<std::pair<std::string, constraints::ConstraintPtr>> arg_constraints() const;
  /// The set of values with positive density (built from the parameters when it depends on them,
  /// as Uniform's interval(low, high)).
  virtual constraints::ConstraintPtr support() const = 0;

  /// Whether `enumerate_support` is available (discrete distributions with a finite support).
  virtual bool has_enumerate_support() const { return false; }
  /// Every value of the support along a new leftmost dim: shape (n,) + (1,) * batch dims +
  /// event_shape, or with `expand` (n,) + batch_shape + event_shape (PyTorch's
  /// `enumerate_support`); values are in the same dtype `sample` returns.
  virtual torch::Tensor enumerate_support(bool expand = true) const;

  /// The same distribution with its parameters broadcast to `batch_shape` (views, no copies),
  /// as a value that chains as in Pyro: `d.expand({3}).to_event(1)`, `sample("x", d.expand({3}))`
  /// (see Expanded). std::invalid_argument when batch_shape() does not broadcast to it.
  Expanded expand(const Shape& batch_shape) const;
  /// `expand` behind a shared pointer, of this distribution's own type. The generic version
  /// expands every `args()` tensor; wrappers override it.
  virtual DistributionPtr expand_ptr(const Shape& batch_shape) const;
  /// A copy of this distribution behind a shared pointer.
  virtual DistributionPtr clone() const = 0;

  /// Reinterprets the rightmost `n` batch dims as event dims (Pyro's `.to_event(n)`).
  Independent to_event(int64_t n = 1) const;
  /// Zeroes log_prob where `mask` is false (Pyro's `.mask(mask)`); `mask` broadcasts to batch.
  MaskedDistribution mask(const torch::Tensor& mask) const;

  /// Whether this instance validates (its own override, else the global switch).
  bool validating() const { return validate_args_.value_or(is_validation_enabled()); }

 protected:
  explicit Distribution(std::optional<bool> validate_args) : validate_args_(validate_args) {}
  Distribution(Shape batch_shape, Shape event_shape, std::optional<bool> validate_args)
      : batch_shape_(std::move(batch_shape)),
        event_shape_(std::move(event_shape)),
        validate_args_(validate_args) {}

  /// The parameters: name, tensor, constraint, event dims. Drives validation and `expand`.
  virtual std::vector<Arg> args() const { return {}; }
  /// Sets the shapes, then validates the arguments (what a constructor does last).
  void init(c10::IntArrayRef batch_shape, c10::IntArrayRef event_shape = {});

  /// A copy that `expand` may modify.
  virtual std::shared_ptr<Distribution> copy() const = 0;

  /// When validating: checks every defined `args()` tensor against its constraint (dependent
  /// constraints are skipped) and throws std::invalid_argument ("Beta: argument 'concentration1'
  /// must be positive, found -1 (at index 3)"). `init` calls it.
  void validate_args_now();
  /// When validating: throws std::invalid_argument naming this distribution when `value` does not
  /// broadcast against batch_shape + event_shape or lies outside `support()`. Call it first in
  /// `log_prob`.
  void validate_sample(const torch::Tensor& value) const;
  /// `values` (n,) + event_shape, the whole support, reshaped to (n,) + (1,) * batch dims +
  /// event_shape, and with `expand` expanded to (n,) + batch_shape + event_shape: what
  /// `enumerate_support` returns.
  torch::Tensor support_along_batch(const torch::Tensor& values, bool expand) const;
  /// Throws std::invalid_argument naming this distribution unless batch_shape() broadcasts to
  /// `batch_shape`.
  void check_expand(const Shape& batch_shape) const;
  /// Throws std::invalid_argument ("Normal: argument 'scale' must be positive, found -1 (at index
  /// 3)") when `satisfied` is false anywhere; with `logits_form`, when a value lies outside
  /// [0, 1] the message adds "; if these are logits, use <logits_form>". Costs a host sync: call
  /// it only when `validating()`.
  void check_argument(const std::string& argument, const torch::Tensor& value,
                      const torch::Tensor& satisfied, const std::string& constraint,
                      const char* logits_form = nullptr) const;

  Shape batch_shape_;
  Shape event_shape_;
  std::optional<bool> validate_args_;

  friend class Expanded;  // forwards args() to the distribution it holds
};

/// Implements `clone()` for a concrete distribution type.
template <class Derived>
class DistributionBase : public Distribution {
 public:
  DistributionPtr clone() const override { return copy(); }

 protected:
  using Distribution::Distribution;
  std::shared_ptr<Distribution> copy() const override {
    return std::make_shared<Derived>(static_cast<const Derived&>(*this));
  }
};

namespace detail {
template <size_t... I>
auto as_tuple(const std::vector<torch::Tensor>& tensors, std::index_sequence<I...>) {
  return std::make_tuple(tensors[I]...);
}
}  // namespace detail

/// The arguments as tensors broadcast to one shape, as a tuple for `std::tie` (PyTorch's
/// `broadcast_all`); numbers take the options of the tensors (see `options_of`).
template <class... Args>
auto broadcast_all(const std::string& what, const Args&... arguments) {
  return detail::as_tuple(broadcast_arguments({TensorOrNumber(arguments)...}, what),
                          std::index_sequence_for<Args...>{});
}

}  // namespace ppl::dist

#include "ppl/distributions/expanded.h"
#include "ppl/distributions/independent.h"
#include "ppl/distributions/masked.h"
