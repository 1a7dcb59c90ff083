#pragma once
// Categorical distribution over {0, ..., K-1}, parameterized by probabilities or logits.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// std::invalid_argument, naming `distribution` and `argument`, unless `probs_or_logits` has a
/// last dim (the categories).
void check_has_categories(const char* distribution, const torch::Tensor& probs_or_logits,
                          const char* argument);

/// Categorical over the last dim of `probs` (K categories): batch_shape = probs.shape[:-1], event
/// shape (); values are int64 indices. Probabilities are normalized to sum to 1.
class Categorical : public DistributionBase<Categorical> {
 public:
  /// std::invalid_argument for a 0-dim `probs`, and (when validating) for negative probabilities
  /// or a row without positive mass.
  explicit Categorical(torch::Tensor probs, std::optional<bool> validate_args = std::nullopt);
  /// Categorical with probs = softmax(logits); std::invalid_argument (when validating) on NaN.
  static Categorical from_logits(torch::Tensor logits,
                                 std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Categorical"; }
  /// Normalized probabilities (computed from the logits when built from logits).
  torch::Tensor probs() const { return probs_.defined() ? probs_ : logits_.softmax(-1); }
  /// Normalized logits: logits - logsumexp(logits).
  const torch::Tensor& logits() const { return logits_; }
  int64_t num_categories() const { return logits_.size(-1); }

  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// `value` holds integer category indices; it broadcasts against batch_shape.
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override;
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  /// integer_interval(0, K - 1).
  constraints::ConstraintPtr support() const override;
  bool has_enumerate_support() const override { return true; }
  /// 0, ..., K-1 as int64.
  torch::Tensor enumerate_support(bool expand = true) const override;

 protected:
  std::vector<Arg> args() const override {
    return {{"probs", &probs_, constraints::simplex, 1, "Categorical::from_logits(logits)"},
            {"logits", &logits_, constraints::real, 1}};
  }

 private:
  Categorical(torch::Tensor probs, torch::Tensor logits, std::optional<bool> validate_args);

  torch::Tensor probs_;  // undefined when built from logits
  torch::Tensor logits_;
};

}  // namespace ppl::dist
