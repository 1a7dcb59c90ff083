#include "ppl/distributions/categorical.h"

#include "ppl/distributions/finfo.h"
#include "ppl/distributions/kernels/categorical.h"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>
#include <tuple>

namespace ppl::dist {

namespace {

Shape batch_of(const torch::Tensor& probs_or_logits, const char* argument) {
  check_has_categories("Categorical", probs_or_logits, argument);
  const auto sizes = probs_or_logits.sizes();
  return Shape(sizes.begin(), sizes.end() - 1);
}

}  // namespace

void check_has_categories(const char* distribution, const torch::Tensor& probs_or_logits,
                          const char* argument) {
  if (probs_or_logits.dim() >= 1) return;
  throw std::invalid_argument(
      fmt::format("{}: argument '{}' must have at least one dim (the categories), found shape ()",
                  distribution, argument));
}

Categorical::Categorical(torch::Tensor probs, torch::Tensor logits,
                         std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  if (probs.defined()) {
    const auto batch = batch_of(probs, "probs");
    std::tie(probs_, logits_) = kernels::normalize_probs(probs);
    init(batch);
  } else {
    const auto batch = batch_of(logits, "logits");
    logits_ = logits - logits.logsumexp(-1, /*keepdim=*/true);
    init(batch);
  }
}

Categorical::Categorical(torch::Tensor probs, std::optional<bool> validate_args)
    : Categorical(std::move(probs), torch::Tensor(), validate_args) {}

Categorical Categorical::from_logits(torch::Tensor logits, std::optional<bool> validate_args) {
  return Categorical(torch::Tensor(), std::move(logits), validate_args);
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
  validate_sample(value);
  return kernels::categorical_log_prob(
      logits_, value, broadcast_shapes(value.sizes(), batch_shape_, "Categorical.log_prob"));
}

torch::Tensor Categorical::entropy() const {
  const auto logits = logits_.clamp_min(finfo(logits_.scalar_type()).min);
  return -(logits * probs()).sum(-1);
}

torch::Tensor Categorical::mean() const {
  return torch::full(batch_shape_, std::numeric_limits<double>::quiet_NaN(), logits_.options());
}

torch::Tensor Categorical::variance() const {
  return mean();
}

constraints::ConstraintPtr Categorical::support() const {
  return constraints::integer_interval(0, num_categories() - 1);
}

torch::Tensor Categorical::enumerate_support(bool expand) const {
  return support_along_batch(torch::arange(num_categories(), logits_.options().dtype(c10::kLong)),
                             expand);
}

}  // namespace ppl::dist
