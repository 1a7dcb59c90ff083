#pragma once
// MaskedDistribution: zeroes log_prob where a boolean mask is false (Pyro's `.mask(mask)`).

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// `base` with log_prob (and entropy) set to 0 where `mask` is false. `mask` is a bool tensor
/// that broadcasts to base's batch_shape (a 0-dim mask masks everything or nothing).
class MaskedDistribution : public DistributionBase<MaskedDistribution> {
 public:
  /// std::invalid_argument when `mask` is not bool or does not broadcast to base's batch_shape.
  MaskedDistribution(DistributionPtr base, torch::Tensor mask);

  std::string name() const override { return "MaskedDistribution"; }
  const DistributionPtr& base() const { return base_; }
  const torch::Tensor& mask_tensor() const { return mask_; }

  bool has_rsample() const override { return base_->has_rsample(); }
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return base_->mean(); }
  torch::Tensor variance() const override { return base_->variance(); }
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return base_->support(); }
  bool has_enumerate_support() const override { return base_->has_enumerate_support(); }
  torch::Tensor enumerate_support(bool expand = true) const override {
    return base_->enumerate_support(expand);
  }
  DistributionPtr expand_ptr(const Shape& batch_shape) const override;

 private:
  DistributionPtr base_;
  torch::Tensor mask_;
};

}  // namespace ppl::dist
