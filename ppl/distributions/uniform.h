#pragma once
// Continuous uniform distribution on [low, high).

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Uniform(low, high) with reparameterized sampling. Parameters broadcast against each other.
class Uniform : public DistributionBase<Uniform> {
 public:
  /// std::invalid_argument (when validating) unless low < high everywhere.
  Uniform(TensorOrNumber low, TensorOrNumber high,
          std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Uniform"; }
  const torch::Tensor& low() const { return low_; }
  const torch::Tensor& high() const { return high_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// -log(high - low) inside [low, high), -inf outside (which throws when validating).
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return (low_ + high_) / 2; }
  torch::Tensor variance() const override { return (high_ - low_).square() / 12; }
  torch::Tensor entropy() const override { return (high_ - low_).log(); }
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  /// interval(low, high).
  constraints::ConstraintPtr support() const override;

 protected:
  std::vector<Arg> args() const override {
    return {{"low", &low_, constraints::less_than(high_)},
            {"high", &high_, constraints::dependent}};
  }

 private:
  torch::Tensor low_;
  torch::Tensor high_;
};

}  // namespace ppl::dist
