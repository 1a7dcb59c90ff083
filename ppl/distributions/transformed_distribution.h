#pragma once
// TransformedDistribution: a base distribution pushed through a sequence of transforms (PyTorch's
// `torch.distributions.TransformedDistribution`). log_prob follows the change of variables.

#include "ppl/distributions/distribution.h"
#include "ppl/distributions/transforms/transform.h"

namespace ppl::dist {

/// Draws base then applies transforms[0], transforms[1], ...; log_prob(y) is base's log_prob at
/// the inverse minus each transform's log |det J|. Shapes as PyTorch computes them: the base is
/// expanded to what the transforms broadcast it to, its batch dims that the first transform acts
/// on jointly become event dims (Independent), and the event dims are the larger of the
/// transforms' codomain event dims and the base's event dims as the transforms change them.
class TransformedDistribution : public Distribution {
 public:
  /// std::invalid_argument when base or a transform is null, or base has fewer dims than the
  /// transforms act on.
  TransformedDistribution(DistributionPtr base, std::vector<transforms::TransformPtr> transforms,
                          std::optional<bool> validate_args = std::nullopt);
  /// A copy of `base` transformed.
  TransformedDistribution(const Distribution& base,
                          std::vector<transforms::TransformPtr> transforms,
                          std::optional<bool> validate_args = std::nullopt)
      : TransformedDistribution(base.clone(), std::move(transforms), validate_args) {}

  std::string name() const override { return "TransformedDistribution"; }
  /// The base distribution (an Independent of the given one when the transforms act jointly on
  /// some of its batch dims).
  const DistributionPtr& base() const { return base_; }
  const std::vector<transforms::TransformPtr>& transforms() const { return transforms_; }

  bool has_rsample() const override { return base_->has_rsample(); }
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// base cdf at the inverse, flipped when the transforms are decreasing; std::logic_error when
  /// a transform is not monotone (sign 0).
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  /// The last transform's codomain (base's support with no transforms), with independent over
  /// the remaining event dims.
  constraints::ConstraintPtr support() const override;
  /// Expands base to the batch shape the transforms map onto `batch_shape`.
  DistributionPtr expand_ptr(const Shape& batch_shape) const override;
  DistributionPtr clone() const override { return copy(); }

 protected:
  std::shared_ptr<Distribution> copy() const override {
    return std::make_shared<TransformedDistribution>(*this);
  }

 private:
  /// The product of the transforms' signs; std::logic_error naming `what` when it is 0.
  int monotone_sign(const char* what) const;

  DistributionPtr base_;
  std::vector<transforms::TransformPtr> transforms_;
};

}  // namespace ppl::dist
