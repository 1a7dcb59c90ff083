#include "ppl/distributions/geometric.h"

#include "ppl/distributions/finfo.h"

namespace ppl::dist {

Geometric::Geometric(torch::Tensor probs, torch::Tensor logits, std::optional<bool> validate_args)
    : DistributionBase(validate_args), probs_(std::move(probs)), logits_(std::move(logits)) {
  init((probs_.defined() ? probs_ : logits_).sizes());
  // unit_interval admits 0, where no success ever comes.
  if (probs_.defined() && validating()) check_argument("probs", probs_, probs_ > 0, "positive");
}

Geometric::Geometric(TensorOrNumber probs, std::optional<bool> validate_args)
    : Geometric(probs.to_tensor(options_of({probs})), torch::Tensor(), validate_args) {}

Geometric Geometric::from_logits(TensorOrNumber logits, std::optional<bool> validate_args) {
  return Geometric(torch::Tensor(), logits.to_tensor(options_of({logits})), validate_args);
}

torch::Tensor Geometric::logits() const {
  if (logits_.defined()) return logits_;
  const auto clamped = clamp_probs(probs_);
  return clamped.log() - (-clamped).log1p();
}

torch::Tensor Geometric::sample(const Shape& sample_shape,
                                c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  const auto& parameter = probs_.defined() ? probs_ : logits_;
  const double tiny = finfo(parameter.scalar_type()).tiny;
  const auto uniforms =
      at::rand(extended_shape(sample_shape), std::move(generator), parameter.options())
          .clamp_min(tiny);
  const auto log_failure = probs_.defined() ? (-probs_).log1p() : at::log_sigmoid(-logits_);
  return (uniforms.log() / log_failure).floor();
}

torch::Tensor Geometric::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto& parameter = probs_.defined() ? probs_ : logits_;
  const auto k = value.to(parameter.scalar_type());
  if (probs_.defined()) return at::special_xlog1py(k, -probs_) + probs_.log();
  return k * at::log_sigmoid(-logits_) + at::log_sigmoid(logits_);
}

torch::Tensor Geometric::mean() const {
  return 1 / probs() - 1;
}

torch::Tensor Geometric::variance() const {
  const auto p = probs();
  return (1 / p - 1) / p;
}

torch::Tensor Geometric::entropy() const {
  return at::binary_cross_entropy_with_logits(logits(), probs(), {}, {}, at::Reduction::None) /
         probs();
}

}  // namespace ppl::dist
