#pragma once
// Independent: reinterprets batch dims of a base distribution as event dims (Pyro's `.to_event`).

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Treats the rightmost `reinterpreted_batch_ndims` batch dims of `base` as event dims: log_prob
/// sums over them. Wrapping an Independent merges into one Independent.
class Independent : public DistributionBase<Independent> {
 public:
  /// std::invalid_argument when `reinterpreted_batch_ndims` is negative or exceeds base's batch
  /// dims.
  Independent(DistributionPtr base, int64_t reinterpreted_batch_ndims,
              std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Independent"; }
  const DistributionPtr& base() const { return base_; }
  int64_t reinterpreted_batch_ndims() const { return reinterpreted_batch_ndims_; }

  bool has_rsample() const override { return base_->has_rsample(); }
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return base_->mean(); }
  torch::Tensor variance() const override { return base_->variance(); }
  torch::Tensor entropy() const override;
  /// independent(base support, reinterpreted_batch_ndims).
  constraints::ConstraintPtr support() const override;
  bool has_enumerate_support() const override;
  torch::Tensor enumerate_support(bool expand = true) const override;
  DistributionPtr expand_ptr(const Shape& batch_shape) const override;

  /// `tensor` (shaped like base's batch) summed over the reinterpreted dims, the rightmost ones.
  torch::Tensor sum_reinterpreted(const torch::Tensor& tensor) const;

 private:
  DistributionPtr base_;
  int64_t reinterpreted_batch_ndims_;
};

}  // namespace ppl::dist
