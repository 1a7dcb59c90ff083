#pragma once
// von Mises distribution: a circular analogue of the normal distribution.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// VonMises(loc, concentration), density e^(k cos(x - loc)) / (2 pi I0(k)) with
/// k = concentration. Draws lie in [-pi, pi) (rejection sampling of Best and Fisher, computed in
/// float64 as PyTorch); there is no rsample. Its support is the real line, the density being
/// 2 pi-periodic, as PyTorch.
class VonMises : public DistributionBase<VonMises> {
 public:
  /// std::invalid_argument (when validating) if loc is NaN or concentration is not positive.
  VonMises(TensorOrNumber loc, TensorOrNumber concentration,
           std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "VonMises"; }
  const torch::Tensor& loc() const { return loc_; }
  const torch::Tensor& concentration() const { return concentration_; }

  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  /// The circular mean, loc.
  torch::Tensor mean() const override { return loc_; }
  /// The circular variance 1 - I1(k) / I0(k) = 1 - E[cos(x - loc)].
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::real; }

 protected:
  std::vector<Arg> args() const override {
    return {{"loc", &loc_, constraints::real},
            {"concentration", &concentration_, constraints::positive}};
  }

 private:
  torch::Tensor loc_;
  torch::Tensor concentration_;
};

}  // namespace ppl::dist
