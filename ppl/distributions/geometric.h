#pragma once
// Geometric distribution: failures before the first success.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Geometric(probs) or Geometric::from_logits(logits): the number of failures before the first
/// success in Bernoulli(probs) trials, P(k) = (1 - p)^k p for k = 0, 1, ... (PyTorch's
/// convention).
class Geometric : public DistributionBase<Geometric> {
 public:
  /// std::invalid_argument (when validating) unless 0 < probs <= 1.
  explicit Geometric(TensorOrNumber probs, std::optional<bool> validate_args = std::nullopt);
  /// Geometric with probs = sigmoid(logits).
  static Geometric from_logits(TensorOrNumber logits,
                               std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Geometric"; }
  /// The probabilities (computed from the logits when built from logits).
  torch::Tensor probs() const { return probs_.defined() ? probs_ : logits_.sigmoid(); }
  /// The logits (computed from the clamped probs when built from probs).
  torch::Tensor logits() const;

  /// Counts in the dtype of the parameter.
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// 1 / p - 1.
  torch::Tensor mean() const override;
  /// (1 - p) / p^2.
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::nonnegative_integer; }

 protected:
  std::vector<Arg> args() const override {
    return {{"probs", &probs_, constraints::unit_interval},
            {"logits", &logits_, constraints::real}};
  }

 private:
  Geometric(torch::Tensor probs, torch::Tensor logits, std::optional<bool> validate_args);

  torch::Tensor probs_;   // undefined when built from logits
  torch::Tensor logits_;  // undefined when built from probs
};

}  // namespace ppl::dist
