#pragma once
// TransformedDistribution: a base distribution pushed through a sequence of transforms (PyTorch's
// `torch.distributions.TransformedDistribution`). log_prob follows the change of variables.

#include "ppl/distributions/distribution.h"
#include "ppl/distributions/transforms/transform.h"

#include <memory>
#include <mutex>
#include <vector>

namespace ppl::dist {

/// Draws base then applies transforms[0], transforms[1], ...; log_prob(y) is base's log_prob at
/// the inverse minus each transform's log |det J|. Shapes as PyTorch computes them: the base is
/// expanded to what the transforms broadcast it to, its batch dims that the first transform acts
/// on jointly become event dims (Independent), and the event dims are the larger of the
/// transforms' codomain event dims and the base's event dims as the transforms change them.
///
/// Scoring its own draw costs no inversion (PyTorch's transforms with `cache_size=1`): when every
/// transform is bijective, `rsample` with gradients enabled remembers its value, the base draw
/// and each transform's log |det J| (computed with `forward_with_log_abs_det_jacobian`), and
/// `log_prob` of that same tensor (the same TensorImpl, not modified in place since) reuses them.
/// The result and its gradients are those of the inversion, which any other tensor gets (a copy,
/// an equal tensor, a value drawn by `sample` or without gradients). Copies, `expand` and
/// `clone` start with nothing remembered; one instance may be used from several threads.
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
  /// The log-Jacobian terms of the remembered draw when `value` is it, else of the inverses.
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
  /// What `rsample` remembers of a draw for `log_prob`.
  struct Draw {
    torch::Tensor value;
    int64_t version;  ///< value's version counter when drawn
    torch::Tensor base_value;
    std::vector<torch::Tensor> log_abs_det_jacobians;  ///< one per transform, in order
  };
  /// The last Draw, guarded for threads sharing the distribution; a copy starts empty.
  class LastDraw {
   public:
    LastDraw() = default;
    LastDraw(const LastDraw& /*other*/) {}
    LastDraw& operator=(const LastDraw& /*other*/);
    void remember(std::shared_ptr<const Draw> draw);
    /// The draw whose value is `value`, unmodified since; null when there is none.
    std::shared_ptr<const Draw> of(const torch::Tensor& value) const;

   private:
    mutable std::mutex mutex_;
    std::shared_ptr<const Draw> draw_;
  };

  /// The product of the transforms' signs; std::logic_error naming `what` when it is 0.
  int monotone_sign(const char* what) const;

  DistributionPtr base_;
  std::vector<transforms::TransformPtr> transforms_;
  bool remembers_draws_ = false;  ///< some transforms, all bijective
  mutable LastDraw last_draw_;
};

}  // namespace ppl::dist
