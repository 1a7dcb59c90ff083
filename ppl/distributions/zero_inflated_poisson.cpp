#include "ppl/distributions/zero_inflated_poisson.h"

#include "ppl/distributions/finfo.h"

namespace ppl::dist {

ZeroInflatedPoisson::ZeroInflatedPoisson(TensorOrNumber rate, TensorOrNumber gate,
                                         std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(rate_, gate_) = broadcast_all("ZeroInflatedPoisson: rate and gate", rate, gate);
  init(rate_.sizes());
}

ZeroInflatedPoisson::ZeroInflatedPoisson(FromGateLogits, const TensorOrNumber& rate,
                                         const TensorOrNumber& gate_logits,
                                         std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(rate_, gate_logits_) =
      broadcast_all("ZeroInflatedPoisson: rate and gate_logits", rate, gate_logits);
  init(rate_.sizes());
}

ZeroInflatedPoisson ZeroInflatedPoisson::from_gate_logits(TensorOrNumber rate,
                                                          TensorOrNumber gate_logits,
                                                          std::optional<bool> validate_args) {
  return ZeroInflatedPoisson(FromGateLogits{}, rate, gate_logits, validate_args);
}

torch::Tensor ZeroInflatedPoisson::gate_logits() const {
  if (gate_logits_.defined()) return gate_logits_;
  const auto clamped = clamp_probs(gate_);
  return clamped.log() - (-clamped).log1p();
}

torch::Tensor ZeroInflatedPoisson::sample(const Shape& sample_shape,
                                          c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  const auto shape = extended_shape(sample_shape);
  const auto extra_zero = at::bernoulli(gate().expand(shape), generator).to(torch::kBool);
  const auto counts = at::poisson(rate_.expand(shape), std::move(generator));
  return counts.masked_fill(extra_zero, 0);
}

torch::Tensor ZeroInflatedPoisson::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto k = value.to(rate_.scalar_type());
  const auto poisson_log_prob = at::xlogy(k, rate_) - rate_ - (k + 1).lgamma();
  if (gate_.defined()) {
    const auto log_prob = (-gate_).log1p() + poisson_log_prob;
    return torch::where(k == 0, (gate_ + log_prob.exp()).log(), log_prob);
  }
  // log P(k) = log gate + log(exp(-gate_logits) Poisson(k)) [+ log1p of it at k = 0].
  const auto log_gate = at::log_sigmoid(gate_logits_);
  const auto log_ratio = poisson_log_prob - gate_logits_;
  return torch::where(k == 0, log_gate + at::softplus(log_ratio), log_gate + log_ratio);
}

torch::Tensor ZeroInflatedPoisson::mean() const {
  return (1 - gate()) * rate_;
}

torch::Tensor ZeroInflatedPoisson::variance() const {
  const auto gate = this->gate();
  return (1 - gate) * rate_ * (1 + gate * rate_);
}

}  // namespace ppl::dist
