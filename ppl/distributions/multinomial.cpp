#include "ppl/distributions/multinomial.h"

#include "ppl/distributions/binomial.h"
#include "ppl/distributions/categorical.h"
#include "ppl/distributions/finfo.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist {

Multinomial::Multinomial(int64_t total_count, torch::Tensor probs, torch::Tensor logits,
                         std::optional<bool> validate_args)
    : DistributionBase(validate_args), total_count_(total_count) {
  if (total_count < 0) {
    throw std::invalid_argument(
        fmt::format("Multinomial: argument 'total_count' must be a nonnegative integer, found {}",
                    total_count));
  }
  if (probs.defined()) {
    check_has_categories("Multinomial", probs, "probs");
    probs_ = probs / probs.sum(-1, /*keepdim=*/true);
    logits_ = clamp_probs(probs_).log();
  } else {
    check_has_categories("Multinomial", logits, "logits");
    logits_ = logits - logits.logsumexp(-1, /*keepdim=*/true);
  }
  const auto sizes = logits_.sizes();
  init(sizes.slice(0, sizes.size() - 1), sizes.slice(sizes.size() - 1));
}

Multinomial::Multinomial(int64_t total_count, torch::Tensor probs,
                         std::optional<bool> validate_args)
    : Multinomial(total_count, std::move(probs), torch::Tensor(), validate_args) {}

Multinomial Multinomial::from_logits(int64_t total_count, torch::Tensor logits,
                                     std::optional<bool> validate_args) {
  return Multinomial(total_count, torch::Tensor(), std::move(logits), validate_args);
}

torch::Tensor Multinomial::sample(const Shape& sample_shape,
                                  c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  Shape draws_shape{total_count_};
  draws_shape.insert(draws_shape.end(), sample_shape.begin(), sample_shape.end());
  // (total_count,) + sample_shape + batch_shape category indices, the draws moved last.
  const auto draws = Categorical(probs(), /*validate_args=*/false)
                         .sample(draws_shape, std::move(generator))
                         .movedim(0, -1);
  auto counts = torch::zeros(extended_shape(sample_shape), draws.options());
  counts.scatter_add_(-1, draws, torch::ones_like(draws));
  return counts.to(logits_.scalar_type());
}

torch::Tensor Multinomial::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto x = value.to(logits_.scalar_type());
  const auto log_coefficient = (x.sum(-1) + 1).lgamma() - (x + 1).lgamma().sum(-1);
  // A category of probability 0 drawn 0 times contributes 0 (not 0 * -inf).
  const auto log_powers = (logits_ * x).masked_fill((x == 0) & logits_.isneginf(), 0).sum(-1);
  return log_coefficient + log_powers;
}

torch::Tensor Multinomial::variance() const {
  const auto p = probs();
  return static_cast<double>(total_count_) * p * (1 - p);
}

torch::Tensor Multinomial::entropy() const {
  // H = n H(Categorical) - log n! + sum_k E[log x_k!], each x_k ~ Binomial(n, p_k).
  const auto n = static_cast<double>(total_count_);
  const auto categorical_entropy =
      Categorical::from_logits(logits_, /*validate_args=*/false).entropy();
  const Binomial marginals(n, probs(), /*validate_args=*/false);
  const auto counts = marginals.enumerate_support(/*expand=*/false).slice(0, 1);
  const auto expected_log_factorials =
      (marginals.log_prob(counts).exp() * (counts + 1).lgamma()).sum(c10::IntArrayRef{0, -1});
  return n * categorical_entropy - std::lgamma(n + 1) + expected_log_factorials;
}

constraints::ConstraintPtr Multinomial::support() const {
  return constraints::multinomial(total_count_);
}

}  // namespace ppl::dist
