#include "ppl/distributions/relaxed_bernoulli.h"

#include "ppl/distributions/finfo.h"
#include "ppl/distributions/math.h"
#include "ppl/distributions/straight_through.h"

namespace ppl::dist {

RelaxedBernoulli::RelaxedBernoulli(TensorOrNumber temperature, TensorOrNumber probs,
                                   std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(temperature_, probs_) =
      broadcast_all("RelaxedBernoulli: temperature and probs", temperature, probs);
  init(probs_.sizes());
}

RelaxedBernoulli::RelaxedBernoulli(FromLogits, const TensorOrNumber& temperature,
                                   const TensorOrNumber& logits, std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(temperature_, logits_) =
      broadcast_all("RelaxedBernoulli: temperature and logits", temperature, logits);
  init(logits_.sizes());
}

RelaxedBernoulli RelaxedBernoulli::from_logits(TensorOrNumber temperature, TensorOrNumber logits,
                                               std::optional<bool> validate_args) {
  return RelaxedBernoulli(FromLogits{}, temperature, logits, validate_args);
}

torch::Tensor RelaxedBernoulli::logits() const {
  if (logits_.defined()) return logits_;
  const auto clamped = clamp_probs(probs_);
  return clamped.log() - (-clamped).log1p();
}

torch::Tensor RelaxedBernoulli::rsample(const Shape& sample_shape,
                                        c10::optional<at::Generator> generator) const {
  const auto uniforms = clamp_probs(
      at::rand(extended_shape(sample_shape), std::move(generator), temperature_.options()));
  const auto logistic = uniforms.log() - (-uniforms).log1p();
  const auto info = finfo(temperature_.scalar_type());
  return ((logits() + logistic) / temperature_).sigmoid().clamp(info.tiny, 1 - info.eps);
}

torch::Tensor RelaxedBernoulli::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto info = finfo(temperature_.scalar_type());
  const auto y = value.to(temperature_.scalar_type()).clamp(info.tiny, 1 - info.eps);
  const auto logit_y = y.log() - (-y).log1p();
  // The logistic density of logit(y) with location logits / t and scale 1 / t, times the
  // Jacobian 1 / (y (1 - y)).
  const auto difference = logits() - temperature_ * logit_y;
  return temperature_.log() + difference - 2 * log1p_exp(difference) - y.log() - (-y).log1p();
}

RelaxedBernoulliStraightThrough::RelaxedBernoulliStraightThrough(TensorOrNumber temperature,
                                                                 TensorOrNumber probs,
                                                                 std::optional<bool> validate_args)
    : RelaxedBernoulli(std::move(temperature), std::move(probs), validate_args) {}

RelaxedBernoulliStraightThrough RelaxedBernoulliStraightThrough::from_logits(
    TensorOrNumber temperature, TensorOrNumber logits, std::optional<bool> validate_args) {
  return RelaxedBernoulliStraightThrough(
      RelaxedBernoulli::from_logits(std::move(temperature), std::move(logits), validate_args));
}

torch::Tensor RelaxedBernoulliStraightThrough::rsample(
    const Shape& sample_shape, c10::optional<at::Generator> generator) const {
  const auto soft = clamp_probs(RelaxedBernoulli::rsample(sample_shape, std::move(generator)));
  return detail::straight_through(soft, detail::Quantization::round);
}

torch::Tensor RelaxedBernoulliStraightThrough::log_prob(const torch::Tensor& value) const {
  return RelaxedBernoulli::log_prob(detail::unquantize(value));
}

}  // namespace ppl::dist
