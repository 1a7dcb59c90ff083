#include "ppl/distributions/relaxed_one_hot_categorical.h"

#include "ppl/distributions/finfo.h"
#include "ppl/distributions/straight_through.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace ppl::dist {

RelaxedOneHotCategorical::RelaxedOneHotCategorical(const TensorOrNumber& temperature,
                                                   torch::Tensor probs, torch::Tensor logits,
                                                   std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  const auto& parameter = probs.defined() ? probs : logits;
  if (parameter.dim() < 1) {
    throw std::invalid_argument(fmt::format(
        "RelaxedOneHotCategorical: argument '{}' must have at least one dim (the categories), "
        "found shape ()",
        probs.defined() ? "probs" : "logits"));
  }
  temperature_ = temperature.to_tensor(parameter.options());
  const auto sizes = parameter.sizes();
  const auto batch = broadcast_shapes(temperature_.sizes(), sizes.slice(0, sizes.size() - 1),
                                      "RelaxedOneHotCategorical: temperature and probs");
  Shape shape = batch;
  shape.push_back(sizes.back());
  temperature_ = temperature_.expand(batch);
  if (probs.defined()) {
    probs_ = (probs / probs.sum(-1, /*keepdim=*/true)).expand(shape);
    logits_ = clamp_probs(probs_).log();
  } else {
    logits_ = (logits - logits.logsumexp(-1, /*keepdim=*/true)).expand(shape);
  }
  init(batch, {sizes.back()});
}

RelaxedOneHotCategorical::RelaxedOneHotCategorical(TensorOrNumber temperature, torch::Tensor probs,
                                                   std::optional<bool> validate_args)
    : RelaxedOneHotCategorical(temperature, std::move(probs), torch::Tensor(), validate_args) {}

RelaxedOneHotCategorical RelaxedOneHotCategorical::from_logits(TensorOrNumber temperature,
                                                               torch::Tensor logits,
                                                               std::optional<bool> validate_args) {
  return RelaxedOneHotCategorical(temperature, torch::Tensor(), std::move(logits), validate_args);
}

torch::Tensor RelaxedOneHotCategorical::rsample(const Shape& sample_shape,
                                                c10::optional<at::Generator> generator) const {
  const auto uniforms =
      clamp_probs(at::rand(extended_shape(sample_shape), std::move(generator), logits_.options()));
  const auto gumbels = -(-uniforms.log()).log();
  return ((logits_ + gumbels) / temperature_.unsqueeze(-1)).softmax(-1);
}

torch::Tensor RelaxedOneHotCategorical::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto k = static_cast<double>(num_categories());
  const auto log_y = value.to(logits_.scalar_type()).log();
  // log (K-1)! + (K-1) log t + sum_k (logits_k - t log y_k) - K logsumexp_k(logits_k - t log y_k)
  // - sum_k log y_k: the Gumbel-softmax density in log space, times the Jacobian of exp.
  const auto scores = logits_ - temperature_.unsqueeze(-1) * log_y;
  const auto log_normalized_scores = (scores - scores.logsumexp(-1, /*keepdim=*/true)).sum(-1);
  return std::lgamma(k) + (k - 1) * temperature_.log() + log_normalized_scores - log_y.sum(-1);
}

RelaxedOneHotCategoricalStraightThrough::RelaxedOneHotCategoricalStraightThrough(
    TensorOrNumber temperature, torch::Tensor probs, std::optional<bool> validate_args)
    : RelaxedOneHotCategorical(std::move(temperature), std::move(probs), validate_args) {}

RelaxedOneHotCategoricalStraightThrough RelaxedOneHotCategoricalStraightThrough::from_logits(
    TensorOrNumber temperature, torch::Tensor logits, std::optional<bool> validate_args) {
  return RelaxedOneHotCategoricalStraightThrough(RelaxedOneHotCategorical::from_logits(
      std::move(temperature), std::move(logits), validate_args));
}

torch::Tensor RelaxedOneHotCategoricalStraightThrough::rsample(
    const Shape& sample_shape, c10::optional<at::Generator> generator) const {
  const auto soft =
      clamp_probs(RelaxedOneHotCategorical::rsample(sample_shape, std::move(generator)));
  return detail::straight_through(soft, detail::Quantization::one_hot);
}

torch::Tensor RelaxedOneHotCategoricalStraightThrough::log_prob(const torch::Tensor& value) const {
  return RelaxedOneHotCategorical::log_prob(detail::unquantize(value));
}

}  // namespace ppl::dist
