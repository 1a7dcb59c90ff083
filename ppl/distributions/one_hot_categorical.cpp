#include "ppl/distributions/one_hot_categorical.h"

#include "ppl/distributions/categorical.h"
#include "ppl/distributions/finfo.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist {

OneHotCategorical::OneHotCategorical(torch::Tensor probs, torch::Tensor logits,
                                     std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  if (probs.defined()) {
    check_has_categories("OneHotCategorical", probs, "probs");
    probs_ = probs / probs.sum(-1, /*keepdim=*/true);
    logits_ = clamp_probs(probs_).log();
  } else {
    check_has_categories("OneHotCategorical", logits, "logits");
    logits_ = logits - logits.logsumexp(-1, /*keepdim=*/true);
  }
  const auto sizes = logits_.sizes();
  init(sizes.slice(0, sizes.size() - 1), sizes.slice(sizes.size() - 1));
}

OneHotCategorical::OneHotCategorical(torch::Tensor probs, std::optional<bool> validate_args)
    : OneHotCategorical(std::move(probs), torch::Tensor(), validate_args) {}

OneHotCategorical OneHotCategorical::from_logits(torch::Tensor logits,
                                                 std::optional<bool> validate_args) {
  return OneHotCategorical(torch::Tensor(), std::move(logits), validate_args);
}

torch::Tensor OneHotCategorical::sample(const Shape& sample_shape,
                                        c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  const auto indices =
      Categorical(probs(), /*validate_args=*/false).sample(sample_shape, std::move(generator));
  return at::one_hot(indices, num_categories()).to(logits_.scalar_type());
}

torch::Tensor OneHotCategorical::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  auto index = value.argmax(-1, /*keepdim=*/true);
  Shape shape = broadcast_shapes(value.sizes(), logits_.sizes(), "OneHotCategorical.log_prob");
  const auto log_pmf = logits_.expand(shape);
  shape.back() = 1;
  return log_pmf.gather(-1, index.expand(shape)).squeeze(-1);
}

torch::Tensor OneHotCategorical::variance() const {
  const auto p = probs();
  return p * (1 - p);
}

torch::Tensor OneHotCategorical::entropy() const {
  return Categorical::from_logits(logits_, /*validate_args=*/false).entropy();
}

torch::Tensor OneHotCategorical::enumerate_support(bool expand) const {
  return support_along_batch(torch::eye(num_categories(), logits_.options()), expand);
}

}  // namespace ppl::dist
