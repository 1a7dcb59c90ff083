#include "ppl/distributions/continuous_bernoulli.h"

#include "ppl/distributions/finfo.h"

#include <cmath>

namespace ppl::dist {

ContinuousBernoulli::ContinuousBernoulli(torch::Tensor probs, torch::Tensor logits, Limits lims,
                                         std::optional<bool> validate_args)
    : DistributionBase(validate_args),
      probs_(std::move(probs)),
      logits_(std::move(logits)),
      lims_(lims) {
  init((probs_.defined() ? probs_ : logits_).sizes());
  if (probs_.defined()) probs_ = clamp_probs(probs_);
}

ContinuousBernoulli::ContinuousBernoulli(TensorOrNumber probs, Limits lims,
                                         std::optional<bool> validate_args)
    : ContinuousBernoulli(probs.to_tensor(options_of({probs})), torch::Tensor(), lims,
                          validate_args) {}

ContinuousBernoulli ContinuousBernoulli::from_logits(TensorOrNumber logits, Limits lims,
                                                     std::optional<bool> validate_args) {
  return ContinuousBernoulli(torch::Tensor(), logits.to_tensor(options_of({logits})), lims,
                             validate_args);
}

torch::Tensor ContinuousBernoulli::probs() const {
  return probs_.defined() ? probs_ : clamp_probs(logits_.sigmoid());
}

torch::Tensor ContinuousBernoulli::logits() const {
  if (logits_.defined()) return logits_;
  return probs_.log() - torch::log1p(-probs_);
}

torch::Tensor ContinuousBernoulli::outside_unstable_region(const torch::Tensor& probs) const {
  return (probs <= lims_.first) | (probs > lims_.second);
}

torch::Tensor ContinuousBernoulli::cut_probs(const torch::Tensor& probs,
                                             const torch::Tensor& outside) const {
  return torch::where(outside, probs, torch::scalar_tensor(lims_.first, probs.options()));
}

torch::Tensor ContinuousBernoulli::log_normalizer(const torch::Tensor& probs) const {
  const auto outside = outside_unstable_region(probs);
  const auto cut = cut_probs(probs, outside);
  // log C(p) = log|log(1-p) - log p| - log|1 - 2p|, the second term split at 1/2 so that each
  // branch's argument stays in its domain.
  const auto below_half = cut <= 0.5;
  const auto cut_below_half = torch::where(below_half, cut, torch::zeros_like(cut));
  const auto cut_above_half = torch::where(cut >= 0.5, cut, torch::ones_like(cut));
  const auto exact = torch::log((torch::log1p(-cut) - cut.log()).abs()) -
                     torch::where(below_half, torch::log1p(-2 * cut_below_half),
                                  torch::log(2 * cut_above_half - 1));
  const auto x = (probs - 0.5).square();
  const auto taylor = std::log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x;
  return torch::where(outside, exact, taylor);
}

torch::Tensor ContinuousBernoulli::rsample(const Shape& sample_shape,
                                           c10::optional<at::Generator> generator) const {
  const auto& param = probs_.defined() ? probs_ : logits_;
  return icdf(at::rand(extended_shape(sample_shape), std::move(generator), param.options()));
}

torch::Tensor ContinuousBernoulli::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  auto logits = this->logits();
  auto target = value;
  if (!target.sizes().equals(logits.sizes())) {
    const auto shape =
        broadcast_shapes(target.sizes(), logits.sizes(), "ContinuousBernoulli.log_prob");
    logits = logits.expand(shape);
    target = target.expand(shape);
  }
  if (target.scalar_type() != logits.scalar_type()) target = target.to(logits.scalar_type());
  return log_normalizer(probs()) -
         at::binary_cross_entropy_with_logits(logits, target, {}, {}, at::Reduction::None);
}

torch::Tensor ContinuousBernoulli::cdf(const torch::Tensor& value) const {
  validate_sample(value);
  const auto probs = this->probs();
  const auto outside = outside_unstable_region(probs);
  const auto cut = cut_probs(probs, outside);
  const auto exact =
      (torch::pow(cut, value) * torch::pow(1 - cut, 1 - value) + cut - 1) / (2 * cut - 1);
  const auto unbounded = torch::where(outside, exact, value);
  return torch::where(value <= 0, torch::zeros_like(unbounded),
                      torch::where(value >= 1, torch::ones_like(unbounded), unbounded));
}

torch::Tensor ContinuousBernoulli::icdf(const torch::Tensor& value) const {
  const auto probs = this->probs();
  const auto outside = outside_unstable_region(probs);
  const auto cut = cut_probs(probs, outside);
  const auto log1m_cut = torch::log1p(-cut);
  const auto exact =
      (torch::log1p(-cut + value * (2 * cut - 1)) - log1m_cut) / (cut.log() - log1m_cut);
  return torch::where(outside, exact, value);
}

torch::Tensor ContinuousBernoulli::mean() const {
  const auto probs = this->probs();
  const auto outside = outside_unstable_region(probs);
  const auto cut = cut_probs(probs, outside);
  const auto exact = cut / (2 * cut - 1) + 1 / (torch::log1p(-cut) - cut.log());
  const auto x = probs - 0.5;
  const auto taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.square()) * x;
  return torch::where(outside, exact, taylor);
}

torch::Tensor ContinuousBernoulli::variance() const {
  const auto probs = this->probs();
  const auto outside = outside_unstable_region(probs);
  const auto cut = cut_probs(probs, outside);
  const auto exact =
      cut * (cut - 1) / (1 - 2 * cut).square() + 1 / (torch::log1p(-cut) - cut.log()).square();
  const auto x = (probs - 0.5).square();
  const auto taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x;
  return torch::where(outside, exact, taylor);
}

torch::Tensor ContinuousBernoulli::entropy() const {
  const auto probs = this->probs();
  const auto log_probs0 = torch::log1p(-probs);
  const auto log_probs1 = probs.log();
  return mean() * (log_probs0 - log_probs1) - log_normalizer(probs) - log_probs0;
}

}  // namespace ppl::dist
