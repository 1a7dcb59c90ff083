#include "ppl/distributions/bernoulli.h"

#include "ppl/distributions/finfo.h"

namespace ppl::dist {

Bernoulli::Bernoulli(torch::Tensor probs, torch::Tensor logits, std::optional<bool> validate_args)
    : DistributionBase(validate_args), probs_(std::move(probs)), logits_(std::move(logits)) {
  init((probs_.defined() ? probs_ : logits_).sizes());
}

Bernoulli::Bernoulli(TensorOrNumber probs, std::optional<bool> validate_args)
    : Bernoulli(probs.to_tensor(options_of({probs})), torch::Tensor(), validate_args) {}

torch::Tensor Bernoulli::logits() const {
  if (logits_.defined()) return logits_;
  const auto clamped = clamp_probs(probs_);
  return clamped.log() - (-clamped).log1p();
}

Bernoulli Bernoulli::from_logits(TensorOrNumber logits, std::optional<bool> validate_args) {
  return Bernoulli(torch::Tensor(), logits.to_tensor(options_of({logits})), validate_args);
}

torch::Tensor Bernoulli::sample(const Shape& sample_shape,
                                c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  return at::bernoulli(probs().expand(extended_shape(sample_shape)), std::move(generator));
}

torch::Tensor Bernoulli::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
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

torch::Tensor Bernoulli::enumerate_support(bool expand) const {
  return support_along_batch(torch::arange(2, (probs_.defined() ? probs_ : logits_).options()),
                             expand);
}

}  // namespace ppl::dist
