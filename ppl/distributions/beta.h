#pragma once
// Beta distribution on [0, 1].

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Beta(concentration1, concentration0), density x^(a-1) (1-x)^(b-1) / B(a, b) with
/// a = concentration1, b = concentration0. Reparameterized sampling as g_a / (g_a + g_b) with
/// g_a, g_b standard gamma draws and their implicit gradients (PyTorch draws the Dirichlet of
/// (a, b) instead: same distribution, unbiased gradients both, but ATen's Dirichlet sampler and
/// gradient are slower on the CPU).
class Beta : public DistributionBase<Beta> {
 public:
  /// std::invalid_argument (when validating) unless both concentrations are positive.
  Beta(TensorOrNumber concentration1, TensorOrNumber concentration0,
       std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Beta"; }
  const torch::Tensor& concentration1() const { return concentration1_; }
  const torch::Tensor& concentration0() const { return concentration0_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override;
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::unit_interval; }

 protected:
  std::vector<Arg> args() const override {
    return {{"concentration1", &concentration1_, constraints::positive},
            {"concentration0", &concentration0_, constraints::positive}};
  }

 private:
  torch::Tensor concentration1_;
  torch::Tensor concentration0_;
};

}  // namespace ppl::dist
