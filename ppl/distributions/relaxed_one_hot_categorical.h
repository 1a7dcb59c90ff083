#pragma once
// Relaxed one-hot categorical (Gumbel-softmax, Concrete) distribution and its straight-through
// variant.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// RelaxedOneHotCategorical(temperature, probs) or ::from_logits(temperature, logits): points of
/// the simplex over the last dim of `probs` (K categories, event_shape (K,)),
/// y = softmax((logits + g) / temperature) with g standard Gumbel (PyTorch's
/// RelaxedOneHotCategorical), reparameterized. Density
/// (K-1)! t^(K-1) prod_k (p_k y_k^(-t-1)) / (sum_k p_k y_k^(-t))^K.
/// temperature broadcasts with the batch shape of probs.
class RelaxedOneHotCategorical : public DistributionBase<RelaxedOneHotCategorical> {
 public:
  /// std::invalid_argument for a 0-dim `probs`, and (when validating) for a temperature that is
  /// not positive or negative probabilities.
  RelaxedOneHotCategorical(TensorOrNumber temperature, torch::Tensor probs,
                           std::optional<bool> validate_args = std::nullopt);
  /// RelaxedOneHotCategorical with probs = softmax(logits).
  static RelaxedOneHotCategorical from_logits(TensorOrNumber temperature, torch::Tensor logits,
                                              std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "RelaxedOneHotCategorical"; }
  /// One temperature per batch element.
  const torch::Tensor& temperature() const { return temperature_; }
  /// Normalized probabilities (computed from the logits when built from logits).
  torch::Tensor probs() const { return probs_.defined() ? probs_ : logits_.softmax(-1); }
  /// Normalized logits: logits - logsumexp(logits).
  const torch::Tensor& logits() const { return logits_; }
  int64_t num_categories() const { return logits_.size(-1); }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  constraints::ConstraintPtr support() const override { return constraints::simplex; }

 protected:
  std::vector<Arg> args() const override {
    return {{"temperature", &temperature_, constraints::positive},
            {"probs", &probs_, constraints::simplex, 1},
            {"logits", &logits_, constraints::real_vector, 1}};
  }

 private:
  RelaxedOneHotCategorical(const TensorOrNumber& temperature, torch::Tensor probs,
                           torch::Tensor logits, std::optional<bool> validate_args);

  torch::Tensor temperature_;  // batch_shape
  torch::Tensor probs_;        // undefined when built from logits
  torch::Tensor logits_;
};

/// Pyro's RelaxedOneHotCategoricalStraightThrough: `rsample` returns the one-hot vector of the
/// relaxed draw's largest entry, with the gradient of the relaxed draw; `log_prob` of such a
/// draw (the same tensor, while it is alive) is the relaxed density at the relaxed draw.
class RelaxedOneHotCategoricalStraightThrough : public RelaxedOneHotCategorical {
 public:
  RelaxedOneHotCategoricalStraightThrough(TensorOrNumber temperature, torch::Tensor probs,
                                          std::optional<bool> validate_args = std::nullopt);
  static RelaxedOneHotCategoricalStraightThrough from_logits(
      TensorOrNumber temperature, torch::Tensor logits,
      std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "RelaxedOneHotCategoricalStraightThrough"; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  DistributionPtr clone() const override { return copy(); }

 protected:
  std::shared_ptr<Distribution> copy() const override {
    return std::make_shared<RelaxedOneHotCategoricalStraightThrough>(*this);
  }

 private:
  explicit RelaxedOneHotCategoricalStraightThrough(RelaxedOneHotCategorical relaxed)
      : RelaxedOneHotCategorical(std::move(relaxed)) {}
};

}  // namespace ppl::dist
