#pragma once
// Poisson distribution over the nonnegative integers.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Poisson(rate): P(k) = rate^k exp(-rate) / k!.
class Poisson : public DistributionBase<Poisson> {
 public:
  /// std::invalid_argument (when validating) if a rate is negative.
  explicit Poisson(TensorOrNumber rate, std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Poisson"; }
  const torch::Tensor& rate() const { return rate_; }

  /// Counts in the dtype of `rate`.
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return rate_; }
  torch::Tensor variance() const override { return rate_; }
  constraints::ConstraintPtr support() const override { return constraints::nonnegative_integer; }

 protected:
  std::vector<Arg> args() const override { return {{"rate", &rate_, constraints::nonnegative}}; }

 private:
  torch::Tensor rate_;
};

}  // namespace ppl::dist
