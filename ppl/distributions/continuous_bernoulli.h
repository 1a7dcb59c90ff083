#pragma once
// Continuous Bernoulli distribution on [0, 1] (Loaiza-Ganem and Cunningham, 2019).

#include "ppl/distributions/distribution.h"

#include <utility>

namespace ppl::dist {

/// ContinuousBernoulli(probs) or ContinuousBernoulli::from_logits(logits): density
/// C(p) p^x (1-p)^(1-x) on [0, 1], the properly normalized likelihood for [0, 1]-valued data
/// (pixel intensities). Near p = 1/2, inside `lims`, the normalizer and moments use their Taylor
/// expansions (as PyTorch). Probabilities are clamped to [eps, 1 - eps] of their dtype after
/// validation. Reparameterized sampling through `icdf`.
class ContinuousBernoulli : public DistributionBase<ContinuousBernoulli> {
 public:
  /// The probs (lower, upper] around 1/2 where Taylor expansions replace the closed forms.
  using Limits = std::pair<double, double>;
  static constexpr Limits kDefaultLimits{0.499, 0.501};

  /// std::invalid_argument (when validating) if a probability lies outside [0, 1].
  explicit ContinuousBernoulli(TensorOrNumber probs, Limits lims = kDefaultLimits,
                               std::optional<bool> validate_args = std::nullopt);
  /// ContinuousBernoulli with probs = sigmoid(logits); std::invalid_argument (when validating)
  /// on NaN.
  static ContinuousBernoulli from_logits(TensorOrNumber logits, Limits lims = kDefaultLimits,
                                         std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "ContinuousBernoulli"; }
  /// The (clamped) probabilities, computed from the logits when built from logits.
  torch::Tensor probs() const;
  /// The logits, computed from the clamped probs when built from probs.
  torch::Tensor logits() const;

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor cdf(const torch::Tensor& value) const override;
  torch::Tensor icdf(const torch::Tensor& value) const override;
  torch::Tensor mean() const override;
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::unit_interval; }

 protected:
  std::vector<Arg> args() const override {
    return {{"probs", &probs_, constraints::unit_interval},
            {"logits", &logits_, constraints::real}};
  }

 private:
  ContinuousBernoulli(torch::Tensor probs, torch::Tensor logits, Limits lims,
                      std::optional<bool> validate_args);

  /// Where probs lie outside the Taylor region (lims.first, lims.second].
  torch::Tensor outside_unstable_region(const torch::Tensor& probs) const;
  /// probs outside the Taylor region, lims.first inside it (keeps the closed forms finite).
  torch::Tensor cut_probs(const torch::Tensor& probs, const torch::Tensor& outside) const;
  /// log C(p).
  torch::Tensor log_normalizer(const torch::Tensor& probs) const;

  torch::Tensor probs_;   // clamped; undefined when built from logits
  torch::Tensor logits_;  // undefined when built from probs
  Limits lims_;
};

}  // namespace ppl::dist
