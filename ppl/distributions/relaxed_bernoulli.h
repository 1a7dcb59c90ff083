#pragma once
// Relaxed Bernoulli (binary Concrete) distribution and its straight-through variant.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// RelaxedBernoulli(temperature, probs) or RelaxedBernoulli::from_logits(temperature, logits):
/// values in (0, 1), y = sigmoid((logits + log u - log(1 - u)) / temperature) with u uniform
/// (PyTorch's RelaxedBernoulli: a LogitRelaxedBernoulli through a sigmoid), reparameterized.
/// Density t a y^(-t-1) (1-y)^(-t-1) / (a y^(-t) + (1-y)^(-t))^2 with a = exp(logits).
/// temperature broadcasts with probs.
class RelaxedBernoulli : public DistributionBase<RelaxedBernoulli> {
 public:
  /// std::invalid_argument (when validating) if a temperature is not positive or a probability
  /// lies outside [0, 1].
  RelaxedBernoulli(TensorOrNumber temperature, TensorOrNumber probs,
                   std::optional<bool> validate_args = std::nullopt);
  /// RelaxedBernoulli with probs = sigmoid(logits).
  static RelaxedBernoulli from_logits(TensorOrNumber temperature, TensorOrNumber logits,
                                      std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "RelaxedBernoulli"; }
  const torch::Tensor& temperature() const { return temperature_; }
  /// The probabilities (computed from the logits when built from logits).
  torch::Tensor probs() const { return probs_.defined() ? probs_ : logits_.sigmoid(); }
  /// The logits (computed from the clamped probs when built from probs).
  torch::Tensor logits() const;

  bool has_rsample() const override { return true; }
  /// Values clamped to [tiny, 1 - eps] of their dtype.
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  constraints::ConstraintPtr support() const override { return constraints::unit_interval; }

 protected:
  std::vector<Arg> args() const override {
    return {{"temperature", &temperature_, constraints::positive},
            {"probs", &probs_, constraints::unit_interval},
            {"logits", &logits_, constraints::real}};
  }

 private:
  struct FromLogits {};
  RelaxedBernoulli(FromLogits, const TensorOrNumber& temperature, const TensorOrNumber& logits,
                   std::optional<bool> validate_args);

  torch::Tensor temperature_;
  torch::Tensor probs_;   // undefined when built from logits
  torch::Tensor logits_;  // undefined when built from probs
};

/// Pyro's RelaxedBernoulliStraightThrough: `rsample` returns the relaxed draw rounded to 0 or 1,
/// with the gradient of the relaxed draw; `log_prob` of such a draw (the same tensor, while it is
/// alive) is the relaxed density at the relaxed draw.
class RelaxedBernoulliStraightThrough : public RelaxedBernoulli {
 public:
  RelaxedBernoulliStraightThrough(TensorOrNumber temperature, TensorOrNumber probs,
                                  std::optional<bool> validate_args = std::nullopt);
  static RelaxedBernoulliStraightThrough from_logits(
      TensorOrNumber temperature, TensorOrNumber logits,
      std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "RelaxedBernoulliStraightThrough"; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  DistributionPtr clone() const override { return copy(); }

 protected:
  std::shared_ptr<Distribution> copy() const override {
    return std::make_shared<RelaxedBernoulliStraightThrough>(*this);
  }

 private:
  explicit RelaxedBernoulliStraightThrough(RelaxedBernoulli relaxed)
      : RelaxedBernoulli(std::move(relaxed)) {}
};

}  // namespace ppl::dist
