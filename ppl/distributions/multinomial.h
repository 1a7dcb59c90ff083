#pragma once
// Multinomial distribution: category counts of total_count categorical draws.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Multinomial(total_count, probs) or Multinomial::from_logits(total_count, logits): counts over
/// the last dim of `probs` (K categories), event_shape (K,), P(x) = n! / prod_k x_k! prod_k p_k^x_k
/// with n = sum_k x_k. Probabilities are normalized to sum to 1. As in PyTorch, total_count is one
/// integer (what `sample` draws and `support` allows), while `log_prob` takes n from the value.
class Multinomial : public DistributionBase<Multinomial> {
 public:
  /// std::invalid_argument for a negative total_count or a 0-dim `probs`, and (when validating)
  /// for negative probabilities.
  Multinomial(int64_t total_count, torch::Tensor probs,
              std::optional<bool> validate_args = std::nullopt);
  /// Multinomial with probs = softmax(logits).
  static Multinomial from_logits(int64_t total_count, torch::Tensor logits,
                                 std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Multinomial"; }
  int64_t total_count() const { return total_count_; }
  /// Normalized probabilities (computed from the logits when built from logits).
  torch::Tensor probs() const { return probs_.defined() ? probs_ : logits_.softmax(-1); }
  /// Normalized logits: logits - logsumexp(logits).
  const torch::Tensor& logits() const { return logits_; }

  /// Counts in the dtype of the parameters.
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return probs() * static_cast<double>(total_count_); }
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  /// multinomial(total_count): nonnegative integer vectors summing to at most total_count.
  constraints::ConstraintPtr support() const override;

 protected:
  std::vector<Arg> args() const override {
    return {{"probs", &probs_, constraints::simplex, 1},
            {"logits", &logits_, constraints::real_vector, 1}};
  }

 private:
  Multinomial(int64_t total_count, torch::Tensor probs, torch::Tensor logits,
              std::optional<bool> validate_args);

  int64_t total_count_;
  torch::Tensor probs_;  // undefined when built from logits
  torch::Tensor logits_;
};

}  // namespace ppl::dist
