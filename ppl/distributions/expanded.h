#pragma once
// Expanded: what `Distribution::expand` returns, a value that chains as Pyro's `.expand` does.

#include "ppl/distributions/distribution.h"

#include <stdexcept>

namespace ppl::dist {

/// A distribution expanded to a new batch shape, held as a value so that Pyro's spellings read
/// the same: `d.expand({3}).to_event(1)`, `sample("x", d.expand({3}))`,
/// `d.expand({3}).log_prob(x)`. Every method forwards to the expanded distribution, and whatever
/// keeps a distribution (a sample site, `to_event`, `mask`, `clone`) keeps that distribution
/// itself, never this wrapper, so traces and handlers see a Normal, not an Expanded. `*e`, `e->`,
/// `e.get()` and `e.ptr()` give it with its own type: `dynamic_cast<const
/// Normal&>(*d.expand({3})).loc()`.
class Expanded : public Distribution {
 public:
  /// std::invalid_argument when `expanded` is null.
  explicit Expanded(DistributionPtr expanded)
      : Distribution(std::nullopt), expanded_(std::move(expanded)) {
    if (!expanded_) throw std::invalid_argument("Expanded: the distribution is null");
    batch_shape_ = expanded_->batch_shape();
    event_shape_ = expanded_->event_shape();
  }

  std::string name() const override { return expanded_->name(); }
  bool has_rsample() const override { return expanded_->has_rsample(); }
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override {
    return expanded_->sample(sample_shape, std::move(generator));
  }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override {
    return expanded_->rsample(sample_shape, std::move(generator));
  }
  torch::Tensor log_prob(const torch::Tensor& value) const override {
    return expanded_->log_prob(value);
  }
  torch::Tensor cdf(const torch::Tensor& value) const override { return expanded_->cdf(value); }
  torch::Tensor icdf(const torch::Tensor& value) const override { return expanded_->icdf(value); }
  torch::Tensor mean() const override { return expanded_->mean(); }
  torch::Tensor variance() const override { return expanded_->variance(); }
  torch::Tensor entropy() const override { return expanded_->entropy(); }
  constraints::ConstraintPtr support() const override { return expanded_->support(); }
  bool has_enumerate_support() const override { return expanded_->has_enumerate_support(); }
  torch::Tensor enumerate_support(bool expand = true) const override {
    return expanded_->enumerate_support(expand);
  }
  DistributionPtr expand_ptr(const Shape& batch_shape) const override {
    return expanded_->expand_ptr(batch_shape);
  }
  /// The expanded distribution itself (distributions are immutable, so it is shared).
  DistributionPtr clone() const override { return expanded_; }

  const Distribution& operator*() const { return *expanded_; }
  const Distribution* operator->() const { return expanded_.get(); }
  const Distribution* get() const { return expanded_.get(); }
  const DistributionPtr& ptr() const { return expanded_; }

 protected:
  std::vector<Arg> args() const override {
    // Only read (by arg_constraints): this class never validates or expands through them.
    return expanded_->args();
  }
  std::shared_ptr<Distribution> copy() const override { return std::make_shared<Expanded>(*this); }

 private:
  DistributionPtr expanded_;
};

}  // namespace ppl::dist
