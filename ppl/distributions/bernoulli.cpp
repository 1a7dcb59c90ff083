#include "ppl/distributions/bernoulli.h"

#include "ppl/distributions/finfo.h"

namespace ppl::dist {

Bernoulli::Bernoulli(torch::Tensor probs, torch::Tensor logits, std::optional<bool> validate_args)
    : DistributionBase(Shape((probs.defined() ? probs : logits).sizes().vec()), {}, validate_args),
      probs_(std::move(probs)),
      logits_(std::move(logits)) {}

Bernoulli::Bernoulli(torch::Tensor probs, std::optional<bool> validate_args)
    : Bernoulli(probs, torch::Tensor(), validate_args) {
  if (validating()) check_argument("probs", probs_, (probs_ >= 0) & (probs_ <= 1), "in [0, 1]");
}

torch::Tensor Bernoulli::logits() const {
  if (logits_.defined()) return logits_;
  const auto clamped = clamp_probs(probs_);
  return clamped.log() - (-clamped).log1p();
}

Bernoulli Bernoulli::from_logits(torch::Tensor logits, std::optional<bool> validate_args) {
  Bernoulli bernoulli(torch::Tensor(), std::move(logits), validate_args);
  if (bernoulli.validating()) {
    const auto& l = bernoulli.logits_;
    bernoulli.check_argument("logits", l, l == l, "real");
  }
  return bernoulli;
}

torch::Tensor Bernoulli::sample(const Shape& sample_shape,
                                c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  return at::bernoulli(probs().expand(extended_shape(sample_shape)), std::move(generator));
}

torch::Tensor Bernoulli::log_prob(const torch::Tensor& value) const {
  if (validating()) check_support(value, (value == 0) | (value == 1), "boolean");
  const auto& param = probs_.defined() ? probs_ : logits_;
  auto target = value.scalar_type() == param.scalar_type() ? value : value.to(param.scalar_type());
  auto input = probs_.defined() ? clamp_probs(probs_) : logits_;
  if (!target.sizes().equals(input.sizes())) {
    const auto shape = broadcast_shapes(target.sizes(), input.sizes(), "Bernoulli.log_prob");
    input = input.expand(shape);
    target = target.expand(shape);
  }
  return probs_.defined()
             ? -at::binary_cross_entropy(input, target, {}, at::Reduction::None)
             : -at::binary_cross_entropy_with_logits(input, target, {}, {}, at::Reduction::None);
}

torch::Tensor Bernoulli::variance() const {
  const auto p = probs();
  return p * (1 - p);
}

torch::Tensor Bernoulli::entropy() const {
  return at::binary_cross_entropy_with_logits(logits(), probs(), {}, {}, at::Reduction::None);
}

DistributionPtr Bernoulli::expand(const Shape& batch_shape) const {
  check_expand(batch_shape);
  auto expanded = std::make_shared<Bernoulli>(*this);
  if (probs_.defined()) expanded->probs_ = probs_.expand(batch_shape);
  if (logits_.defined()) expanded->logits_ = logits_.expand(batch_shape);
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

}  // namespace ppl::dist
