#pragma once
// Zero-inflated Poisson distribution.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// ZeroInflatedPoisson(rate, gate) or ZeroInflatedPoisson::from_gate_logits(rate, gate_logits)
/// (Pyro's `ZeroInflatedPoisson(rate, gate=...)` / `gate_logits=...`): 0 with probability
/// `gate`, else a Poisson(rate) draw, so P(0) = gate + (1 - gate) exp(-rate) and
/// P(k) = (1 - gate) Poisson(k | rate) for k > 0.
class ZeroInflatedPoisson : public DistributionBase<ZeroInflatedPoisson> {
 public:
  /// std::invalid_argument (when validating) if a rate is not positive or a gate lies outside
  /// [0, 1].
  ZeroInflatedPoisson(TensorOrNumber rate, TensorOrNumber gate,
                      std::optional<bool> validate_args = std::nullopt);
  /// ZeroInflatedPoisson with gate = sigmoid(gate_logits).
  static ZeroInflatedPoisson from_gate_logits(TensorOrNumber rate, TensorOrNumber gate_logits,
                                              std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "ZeroInflatedPoisson"; }
  const torch::Tensor& rate() const { return rate_; }
  /// The probability of an extra zero (computed from gate_logits when built from them).
  torch::Tensor gate() const { return gate_.defined() ? gate_ : gate_logits_.sigmoid(); }
  /// log(gate / (1 - gate)) (computed from the clamped gate when built from gate).
  torch::Tensor gate_logits() const;

  /// Counts in the dtype of the parameters.
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// (1 - gate) rate.
  torch::Tensor mean() const override;
  /// (1 - gate) rate (1 + gate rate).
  torch::Tensor variance() const override;
  constraints::ConstraintPtr support() const override { return constraints::nonnegative_integer; }

 protected:
  std::vector<Arg> args() const override {
    return {{"rate", &rate_, constraints::positive},
            {"gate", &gate_, constraints::unit_interval},
            {"gate_logits", &gate_logits_, constraints::real}};
  }

 private:
  struct FromGateLogits {};
  ZeroInflatedPoisson(FromGateLogits, const TensorOrNumber& rate, const TensorOrNumber& gate_logits,
                      std::optional<bool> validate_args);

  torch::Tensor rate_;
  torch::Tensor gate_;         // undefined when built from gate_logits
  torch::Tensor gate_logits_;  // undefined when built from gate
};

}  // namespace ppl::dist
