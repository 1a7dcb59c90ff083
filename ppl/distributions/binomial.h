#pragma once
// Binomial distribution: successes among total_count independent trials.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Binomial(total_count, probs) or Binomial::from_logits(total_count, logits):
/// P(k) = C(n, k) p^k (1 - p)^(n - k) for k in 0..n. total_count takes the dtype of probs.
/// log_prob goes through the logits, k logits - n softplus(logits) + log C(n, k), so it stays
/// finite for probs near 0 and 1.
class Binomial : public DistributionBase<Binomial> {
 public:
  /// std::invalid_argument (when validating) if total_count is not a nonnegative integer or a
  /// probability lies outside [0, 1].
  Binomial(TensorOrNumber total_count, TensorOrNumber probs,
           std::optional<bool> validate_args = std::nullopt);
  /// Binomial with probs = sigmoid(logits).
  static Binomial from_logits(TensorOrNumber total_count, TensorOrNumber logits,
                              std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Binomial"; }
  const torch::Tensor& total_count() const { return total_count_; }
  /// The probabilities (computed from the logits when built from logits).
  torch::Tensor probs() const { return probs_.defined() ? probs_ : logits_.sigmoid(); }
  /// The logits (computed from the clamped probs when built from probs).
  torch::Tensor logits() const;

  /// Counts in the dtype of the parameters.
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return total_count_ * probs(); }
  torch::Tensor variance() const override;
  /// By enumerating the support: requires a homogeneous total_count.
  torch::Tensor entropy() const override;
  /// integer_interval(0, total_count).
  constraints::ConstraintPtr support() const override;
  bool has_enumerate_support() const override { return true; }
  /// 0, ..., total_count; std::invalid_argument unless every total_count is the same.
  torch::Tensor enumerate_support(bool expand = true) const override;

 protected:
  std::vector<Arg> args() const override {
    return {{"total_count", &total_count_, constraints::nonnegative_integer},
            {"probs", &probs_, constraints::unit_interval, 0,
             "Binomial::from_logits(total_count, logits)"},
            {"logits", &logits_, constraints::real}};
  }

 private:
  struct FromLogits {};
  Binomial(FromLogits, const TensorOrNumber& total_count, const TensorOrNumber& logits,
           std::optional<bool> validate_args);
  /// Broadcasts total_count with `parameter` and casts it to the parameter's dtype.
  torch::Tensor broadcast(const TensorOrNumber& total_count, const TensorOrNumber& parameter,
                          const char* parameter_name);

  torch::Tensor total_count_;
  torch::Tensor probs_;   // undefined when built from logits
  torch::Tensor logits_;  // undefined when built from probs
};

}  // namespace ppl::dist
