#include "ppl/distributions/negative_binomial.h"

#include "ppl/distributions/finfo.h"

namespace ppl::dist {

torch::Tensor NegativeBinomial::broadcast(const TensorOrNumber& total_count,
                                          const TensorOrNumber& parameter,
                                          const char* parameter_name) {
  torch::Tensor value;
  std::tie(total_count_, value) = broadcast_all(
      std::string("NegativeBinomial: total_count and ") + parameter_name, total_count, parameter);
  if (!value.is_floating_point()) value = value.to(at::get_default_dtype());
  total_count_ = total_count_.to(value.scalar_type());
  return value;
}

NegativeBinomial::NegativeBinomial(TensorOrNumber total_count, TensorOrNumber probs,
                                   std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  probs_ = broadcast(total_count, probs, "probs");
  init(probs_.sizes());
}

NegativeBinomial::NegativeBinomial(FromLogits, const TensorOrNumber& total_count,
                                   const TensorOrNumber& logits, std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  logits_ = broadcast(total_count, logits, "logits");
  init(logits_.sizes());
}

NegativeBinomial NegativeBinomial::from_logits(TensorOrNumber total_count, TensorOrNumber logits,
                                               std::optional<bool> validate_args) {
  return NegativeBinomial(FromLogits{}, total_count, logits, validate_args);
}

torch::Tensor NegativeBinomial::logits() const {
  if (logits_.defined()) return logits_;
  const auto clamped = clamp_probs(probs_);
  return clamped.log() - (-clamped).log1p();
}

torch::Tensor NegativeBinomial::sample(const Shape& sample_shape,
                                       c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  const auto shape = extended_shape(sample_shape);
  const double tiny = finfo(total_count_.scalar_type()).tiny;
  const auto rates =
      (at::_standard_gamma(total_count_.expand(shape).contiguous(), generator) * logits().exp())
          .clamp_min(tiny);
  return at::poisson(rates, std::move(generator));
}

torch::Tensor NegativeBinomial::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto k = value.to(total_count_.scalar_type());
  const auto& r = total_count_;
  const auto logits = this->logits();
  const auto log_unnormalized = r * at::log_sigmoid(-logits) + k * at::log_sigmoid(logits);
  // Γ(k + r) / (k! Γ(r)) is 1 at k = r = 0, where the lgammas are infinite.
  const auto log_coefficient =
      ((k + r).lgamma() - (k + 1).lgamma() - r.lgamma()).masked_fill(k + r == 0, 0);
  return log_unnormalized + log_coefficient;
}

torch::Tensor NegativeBinomial::mean() const {
  return total_count_ * logits().exp();
}

torch::Tensor NegativeBinomial::variance() const {
  return mean() / at::sigmoid(-logits());
}

}  // namespace ppl::dist
