#pragma once
// Negative binomial distribution: successes before total_count failures.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// NegativeBinomial(total_count, probs) or NegativeBinomial::from_logits(total_count, logits):
/// the number of successes, each with probability `probs`, before `total_count` failures
/// (PyTorch's parameterization): P(k) = Γ(k + r) / (k! Γ(r)) p^k (1 - p)^r with r = total_count,
/// which may be any nonnegative real. Mean r p / (1 - p), variance r p / (1 - p)^2.
class NegativeBinomial : public DistributionBase<NegativeBinomial> {
 public:
  /// std::invalid_argument (when validating) if total_count is negative or probs lies outside
  /// [0, 1).
  NegativeBinomial(TensorOrNumber total_count, TensorOrNumber probs,
                   std::optional<bool> validate_args = std::nullopt);
  /// NegativeBinomial with probs = sigmoid(logits).
  static NegativeBinomial from_logits(TensorOrNumber total_count, TensorOrNumber logits,
                                      std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "NegativeBinomial"; }
  const torch::Tensor& total_count() const { return total_count_; }
  /// The probabilities of success (computed from the logits when built from logits).
  torch::Tensor probs() const { return probs_.defined() ? probs_ : logits_.sigmoid(); }
  /// The logits (computed from the clamped probs when built from probs).
  torch::Tensor logits() const;

  /// Poisson(Gamma(total_count, rate = exp(-logits))) draws, in the dtype of the parameters.
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override;
  torch::Tensor variance() const override;
  constraints::ConstraintPtr support() const override { return constraints::nonnegative_integer; }

 protected:
  std::vector<Arg> args() const override {
    return {{"total_count", &total_count_, constraints::nonnegative},
            {"probs", &probs_, constraints::half_open_interval(0.0, 1.0)},
            {"logits", &logits_, constraints::real}};
  }

 private:
  struct FromLogits {};
  NegativeBinomial(FromLogits, const TensorOrNumber& total_count, const TensorOrNumber& logits,
                   std::optional<bool> validate_args);
  /// Broadcasts total_count with `parameter` and casts it to the parameter's dtype.
  torch::Tensor broadcast(const TensorOrNumber& total_count, const TensorOrNumber& parameter,
                          const char* parameter_name);

  torch::Tensor total_count_;
  torch::Tensor probs_;   // undefined when built from logits
  torch::Tensor logits_;  // undefined when built from probs
};

}  // namespace ppl::dist
