#include "ppl/distributions/categorical.h"

#include "ppl/distributions/finfo.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist {

namespace {

Shape batch_of(const torch::Tensor& probs_or_logits, const char* argument) {
  if (probs_or_logits.dim() < 1) {
    throw std::invalid_argument(fmt::format(
        "Categorical: argument '{}' must have at least one dim (the categories), found shape ()",
        argument));
  }
  const auto sizes = probs_or_logits.sizes();
  return Shape(sizes.begin(), sizes.end() - 1);
}

}  // namespace

Categorical::Categorical(torch::Tensor probs, torch::Tensor logits,
                         std::optional<bool> validate_args)
    : DistributionBase(probs.defined() ? batch_of(probs, "probs") : batch_of(logits, "logits"), {},
                       validate_args),
      probs_(std::move(probs)),
      logits_(std::move(logits)) {}

Categorical::Categorical(torch::Tensor probs, std::optional<bool> validate_args)
    : Categorical(probs, torch::Tensor(), validate_args) {
  const auto total = probs_.sum(-1, /*keepdim=*/true);
  if (validating()) {
    check_argument("probs", probs_, (probs_ >= 0) & (total > 0), "nonnegative with a positive sum");
  }
  probs_ = probs_ / total;
  logits_ = clamp_probs(probs_).log();
}

Categorical Categorical::from_logits(torch::Tensor logits, std::optional<bool> validate_args) {
  Categorical categorical(torch::Tensor(), logits, validate_args);
  if (categorical.validating()) {
    categorical.check_argument("logits", logits, logits == logits, "real");
  }
  categorical.logits_ = logits - logits.logsumexp(-1, /*keepdim=*/true);
  return categorical;
}

torch::Tensor Categorical::sample(const Shape& sample_shape,
                                  c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  const int64_t num_samples = c10::multiply_integers(sample_shape);
  const Shape shape = extended_shape(sample_shape);
  const auto flat_probs = probs().reshape({-1, num_categories()});
  if (num_samples == 0 || flat_probs.size(0) == 0) {
    return at::empty(shape, logits_.options().dtype(c10::kLong));
  }
  const auto draws =
      at::multinomial(flat_probs, num_samples, /*replacement=*/true, std::move(generator));
  return draws.t().reshape(shape);
}

torch::Tensor Categorical::log_prob(const torch::Tensor& value) const {
  if (validating()) {
    const auto integral = value.is_floating_point() ? value == value.floor() : value == value;
    check_support(value, integral & (value >= 0) & (value < num_categories()),
                  fmt::format("integer_interval(0, {})", num_categories() - 1));
  }
  auto index = value.to(c10::kLong).unsqueeze(-1);
  Shape shape = broadcast_shapes(index.sizes(), logits_.sizes(), "Categorical.log_prob");
  auto log_pmf = logits_.expand(shape);
  shape.back() = 1;
  return log_pmf.gather(-1, index.expand(shape)).squeeze(-1);
}

torch::Tensor Categorical::entropy() const {
  const auto logits = logits_.clamp_min(finfo(logits_.scalar_type()).min);
  return -(logits * probs()).sum(-1);
}

DistributionPtr Categorical::expand(const Shape& batch_shape) const {
  check_expand(batch_shape);
  Shape param_shape = batch_shape;
  param_shape.push_back(num_categories());
  auto expanded = std::make_shared<Categorical>(*this);
  if (probs_.defined()) expanded->probs_ = probs_.expand(param_shape);
  expanded->logits_ = logits_.expand(param_shape);
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

}  // namespace ppl::dist
