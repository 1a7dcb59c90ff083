#pragma once
// Categorical distribution over one-hot vectors.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// OneHotCategorical(probs) or OneHotCategorical::from_logits(logits): a Categorical over the last
/// dim of `probs` (K categories) whose values are one-hot vectors, event_shape (K,).
/// Probabilities are normalized to sum to 1.
class OneHotCategorical : public DistributionBase<OneHotCategorical> {
 public:
  /// std::invalid_argument for a 0-dim `probs`, and (when validating) for negative probabilities.
  explicit OneHotCategorical(torch::Tensor probs, std::optional<bool> validate_args = std::nullopt);
  /// OneHotCategorical with probs = softmax(logits).
  static OneHotCategorical from_logits(torch::Tensor logits,
                                       std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "OneHotCategorical"; }
  /// Normalized probabilities (computed from the logits when built from logits).
  torch::Tensor probs() const { return probs_.defined() ? probs_ : logits_.softmax(-1); }
  /// Normalized logits: logits - logsumexp(logits).
  const torch::Tensor& logits() const { return logits_; }
  int64_t num_categories() const { return logits_.size(-1); }

  /// One-hot vectors in the dtype of the parameters.
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return probs(); }
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::one_hot; }
  bool has_enumerate_support() const override { return true; }
  /// The K one-hot vectors (the rows of the identity), in the dtype of the parameters.
  torch::Tensor enumerate_support(bool expand = true) const override;

 protected:
  std::vector<Arg> args() const override {
    return {{"probs", &probs_, constraints::simplex, 1},
            {"logits", &logits_, constraints::real_vector, 1}};
  }

 private:
  OneHotCategorical(torch::Tensor probs, torch::Tensor logits, std::optional<bool> validate_args);

  torch::Tensor probs_;  // undefined when built from logits
  torch::Tensor logits_;
};

}  // namespace ppl::dist
