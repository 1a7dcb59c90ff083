#pragma once
// Mixture of components of one family, selected by a Categorical.

#include "ppl/distributions/categorical.h"
#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// p(x) = Σ_k π_k p_k(x): the components are the rightmost batch dim (of size K) of
/// `component_distribution`, the weights π a Categorical over K categories whose batch_shape
/// broadcasts to the component batch_shape without its last dim. batch_shape is the component
/// batch_shape without its last dim, event_shape the component event_shape. No rsample.
///
///   dist::MixtureSameFamily gmm(dist::Categorical(weights), dist::Normal(locs, scales));
class MixtureSameFamily : public DistributionBase<MixtureSameFamily> {
 public:
  /// std::invalid_argument naming both distributions when the number of categories differs from
  /// the component count or the batch shapes do not fit.
  MixtureSameFamily(Categorical mixture_distribution, DistributionPtr component_distribution,
                    std::optional<bool> validate_args = std::nullopt);
  /// The same with a copy of `component_distribution`.
  MixtureSameFamily(Categorical mixture_distribution, const Distribution& component_distribution,
                    std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "MixtureSameFamily"; }
  const Categorical& mixture_distribution() const { return *mixture_distribution_; }
  const DistributionPtr& component_distribution() const { return component_distribution_; }

  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// logsumexp_k (log π_k + log p_k(value)).
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// Σ_k π_k mean_k.
  torch::Tensor mean() const override;
  /// Law of total variance: Σ_k π_k variance_k + Σ_k π_k (mean_k - mean)².
  torch::Tensor variance() const override;
  /// The component support.
  constraints::ConstraintPtr support() const override { return component_distribution_->support(); }
  DistributionPtr expand_ptr(const Shape& batch_shape) const override;

 private:
  /// `tensor` with a component dim inserted left of the event dims.
  torch::Tensor pad(const torch::Tensor& tensor) const;
  /// The mixture probabilities shaped to broadcast against component batch + event.
  torch::Tensor padded_probs() const;

  std::shared_ptr<const Categorical> mixture_distribution_;
  DistributionPtr component_distribution_;
};

}  // namespace ppl::dist
