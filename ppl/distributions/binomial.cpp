#include "ppl/distributions/binomial.h"

#include "ppl/distributions/finfo.h"
#include "ppl/distributions/math.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist {

torch::Tensor Binomial::broadcast(const TensorOrNumber& total_count,
                                  const TensorOrNumber& parameter, const char* parameter_name) {
  torch::Tensor value;
  std::tie(total_count_, value) = broadcast_all(
      std::string("Binomial: total_count and ") + parameter_name, total_count, parameter);
  if (!value.is_floating_point()) value = value.to(at::get_default_dtype());
  total_count_ = total_count_.to(value.scalar_type());
  return value;
}

Binomial::Binomial(TensorOrNumber total_count, TensorOrNumber probs,
                   std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  probs_ = broadcast(total_count, probs, "probs");
  init(probs_.sizes());
}

Binomial::Binomial(FromLogits, const TensorOrNumber& total_count, const TensorOrNumber& logits,
                   std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  logits_ = broadcast(total_count, logits, "logits");
  init(logits_.sizes());
}

Binomial Binomial::from_logits(TensorOrNumber total_count, TensorOrNumber logits,
                               std::optional<bool> validate_args) {
  return Binomial(FromLogits{}, total_count, logits, validate_args);
}

torch::Tensor Binomial::logits() const {
  if (logits_.defined()) return logits_;
  const auto clamped = clamp_probs(probs_);
  return clamped.log() - (-clamped).log1p();
}

torch::Tensor Binomial::sample(const Shape& sample_shape,
                               c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  const auto shape = extended_shape(sample_shape);
  return at::binomial(total_count_.expand(shape).contiguous(), probs().expand(shape).contiguous(),
                      std::move(generator));
}

torch::Tensor Binomial::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto k = value.to(total_count_.scalar_type());
  const auto& n = total_count_;
  const auto logits = this->logits();
  const auto log_binomial_coefficient = (n + 1).lgamma() - (k + 1).lgamma() - (n - k + 1).lgamma();
  return k * logits - n * log1p_exp(logits) + log_binomial_coefficient;
}

torch::Tensor Binomial::variance() const {
  const auto p = probs();
  return total_count_ * p * (1 - p);
}

torch::Tensor Binomial::entropy() const {
  const auto values = enumerate_support(/*expand=*/false);
  const auto log_prob = this->log_prob(values);
  return -(log_prob.exp() * log_prob).sum(0);
}

constraints::ConstraintPtr Binomial::support() const {
  return constraints::integer_interval(0, total_count_);
}

torch::Tensor Binomial::enumerate_support(bool expand) const {
  const double low = total_count_.numel() ? total_count_.min().item<double>() : 0;
  const double high = total_count_.numel() ? total_count_.max().item<double>() : 0;
  if (low != high) {
    throw std::invalid_argument(fmt::format(
        "Binomial: enumerate_support needs one total_count for the whole batch, found {} to {}",
        low, high));
  }
  return support_along_batch(torch::arange(high + 1, total_count_.options()), expand);
}

}  // namespace ppl::dist
