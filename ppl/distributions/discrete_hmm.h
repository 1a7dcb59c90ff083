#pragma once
// Hidden Markov model with discrete hidden states and any observation distribution (Pyro's
// DiscreteHMM): a distribution over a whole sequence, its hidden states summed out in parallel
// over time.

#include "ppl/distributions/categorical.h"
#include "ppl/distributions/distribution.h"

#include <optional>

namespace ppl::dist {

/// The chain z_{-1} ~ Categorical(initial_logits), z_t | z_{t-1} = i ~
/// Categorical(transition_logits[t, i]), y_t | z_t = k ~ observation_dist[t, k] for t = 0..T-1,
/// as a distribution of y alone: log_prob sums the states out by a parallel scan over time
/// (log2(T) levels of batched K x K log-matmul-exps; Sarkka and Garcia-Fernandez, 2019).
///
/// initial_logits broadcasts to batch_shape + (K,), transition_logits (old state, new state) to
/// batch_shape + (T, K, K), the observation batch_shape to batch_shape + (T, K), its event_shape
/// being any. event_shape = (T,) + observation event_shape. When neither the transitions nor the
/// observations have a time dim of size above 1 (a homogeneous chain), T is 1 and log_prob takes
/// sequences of any length; `duration` fixes T then (sample needs it).
///
///   dist::DiscreteHMM hmm(init.log(), transition.log(), dist::Normal(locs, scale));
///   auto log_p = hmm.log_prob(y);  // y: (T,)
class DiscreteHMM : public DistributionBase<DiscreteHMM> {
 public:
  /// std::invalid_argument naming the argument, with the shape expected and found, when a shape
  /// does not fit; std::invalid_argument when `duration` differs from a time dim above 1.
  DiscreteHMM(torch::Tensor initial_logits, torch::Tensor transition_logits,
              DistributionPtr observation_dist, std::optional<int64_t> duration = std::nullopt,
              std::optional<bool> validate_args = std::nullopt);
  /// The same with a copy of `observation_dist`.
  DiscreteHMM(torch::Tensor initial_logits, torch::Tensor transition_logits,
              const Distribution& observation_dist, std::optional<int64_t> duration = std::nullopt,
              std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "DiscreteHMM"; }
  /// Normalized: initial_logits - logsumexp(initial_logits).
  const torch::Tensor& initial_logits() const { return initial_logits_; }
  /// Normalized over the new state (the last dim).
  const torch::Tensor& transition_logits() const { return transition_logits_; }
  const DistributionPtr& observation_dist() const { return observation_dist_; }
  /// The number of time steps T, unknown (nullopt) for a homogeneous chain built without one.
  std::optional<int64_t> duration() const { return duration_; }

  /// log p(y), the hidden states summed out; `value` is sample/batch dims + (T,) + observation
  /// event_shape. std::invalid_argument when its time dim is not T.
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// The posterior of the last hidden state z_{T-1} given the sequence `value`, as logits (which
  /// can start the chain of a prediction as initial_logits).
  Categorical filter(const torch::Tensor& value) const;
  /// A sequence drawn from the chain; std::logic_error when the duration is unknown.
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// The observation support, independent over time.
  constraints::ConstraintPtr support() const override;
  /// Expands initial_logits alone: the scan stays as small as the transitions and observations.
  DistributionPtr expand_ptr(const Shape& batch_shape) const override;

 protected:
  std::vector<Arg> args() const override {
    return {{"initial_logits", &initial_logits_, constraints::real, 1},
            {"transition_logits", &transition_logits_, constraints::real, 2}};
  }

 private:
  /// std::invalid_argument unless `value` has T time steps and the observation event_shape;
  /// when validating, also the support and batch checks of `validate_sample`.
  void check_value(const torch::Tensor& value) const;
  /// log p(y, z_{T-1} = j | z_{-1} = i): batch + (K, K).
  torch::Tensor chain_logits(const torch::Tensor& value) const;

  torch::Tensor initial_logits_;
  torch::Tensor transition_logits_;
  DistributionPtr observation_dist_;
  std::optional<int64_t> duration_;
};

}  // namespace ppl::dist
