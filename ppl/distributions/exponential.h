#pragma once
// Exponential distribution.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Exponential(rate), density rate e^(-rate x) on x >= 0, with reparameterized sampling.
class Exponential : public DistributionBase<Exponential> {
 public:
  /// std::invalid_argument (when validating) unless rate is positive.
  explicit Exponential(TensorOrNumber rate, std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Exponential"; }
  const torch::Tensor& rate() const { return rate_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return rate_.reciprocal(); }
  torch::Tensor variance() const override { return rate_.square().reciprocal(); }
  torch::Tensor entropy() const override { return 1 - rate_.log(); }
  constraints::ConstraintPtr support() const override { return constraints::nonnegative; }

 protected:
  std::vector<Arg> args() const override { return {{"rate", &rate_, constraints::positive}}; }

 private:
  torch::Tensor rate_;
};

}  // namespace ppl::dist
