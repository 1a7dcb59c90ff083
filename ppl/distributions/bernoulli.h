#pragma once
// Bernoulli distribution over {0, 1}, parameterized by probabilities or logits.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Bernoulli(probs) or Bernoulli::from_logits(logits). log_prob is one fused kernel either way:
/// `binary_cross_entropy_with_logits`, or `binary_cross_entropy` on probs clamped to
/// [eps, 1 - eps] of their dtype, so it stays finite at probs 0 and 1.
class Bernoulli : public DistributionBase<Bernoulli> {
 public:
  /// std::invalid_argument (when validating) if a probability lies outside [0, 1].
  explicit Bernoulli(TensorOrNumber probs, std::optional<bool> validate_args = std::nullopt);
  /// Bernoulli with probs = sigmoid(logits); std::invalid_argument (when validating) on NaN.
  static Bernoulli from_logits(TensorOrNumber logits,
                               std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Bernoulli"; }
  /// The probabilities (computed from the logits when built from logits).
  torch::Tensor probs() const { return probs_.defined() ? probs_ : logits_.sigmoid(); }
  /// The logits (computed from the clamped probs when built from probs).
  torch::Tensor logits() const;

  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// Requires `value` in {0, 1} when validating; pass validate_args = false for values in [0, 1].
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return probs(); }
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::boolean; }
  bool has_enumerate_support() const override { return true; }
  torch::Tensor enumerate_support(bool expand = true) const override;

 protected:
  std::vector<Arg> args() const override {
    return {{"probs", &probs_, constraints::unit_interval, 0, "Bernoulli::from_logits(logits)"},
            {"logits", &logits_, constraints::real}};
  }

 private:
  Bernoulli(torch::Tensor probs, torch::Tensor logits, std::optional<bool> validate_args);

  torch::Tensor probs_;   // undefined when built from logits
  torch::Tensor logits_;  // undefined when built from probs
};

}  // namespace ppl::dist
