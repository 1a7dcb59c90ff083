#include "ppl/distributions/mixture_same_family.h"

#include <ATen/ExpandUtils.h>
#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist {

MixtureSameFamily::MixtureSameFamily(Categorical mixture_distribution,
                                     DistributionPtr component_distribution,
                                     std::optional<bool> validate_args)
    : DistributionBase(validate_args),
      mixture_distribution_(std::make_shared<const Categorical>(std::move(mixture_distribution))),
      component_distribution_(std::move(component_distribution)) {
  if (!component_distribution_) {
    throw std::invalid_argument("MixtureSameFamily: component_distribution is null");
  }
  const Shape& component_batch = component_distribution_->batch_shape();
  if (component_batch.empty()) {
    throw std::invalid_argument(fmt::format(
        "MixtureSameFamily: component_distribution {} must have a batch dim indexing the "
        "components, found batch_shape ()",
        component_distribution_->name()));
  }
  const int64_t components = component_batch.back();
  const int64_t categories = mixture_distribution_->num_categories();
  if (categories != components) {
    throw std::invalid_argument(fmt::format(
        "MixtureSameFamily: mixture_distribution has {} categories but component_distribution "
        "has {} components (the last dim of its batch_shape {})",
        categories, components, shape_str(component_batch)));
  }
  const Shape batch = drop_rightmost(component_batch, 1);
  const Shape& mixture_batch = mixture_distribution_->batch_shape();
  if (!at::is_expandable_to(mixture_batch, batch)) {
    throw std::invalid_argument(
        fmt::format("MixtureSameFamily: mixture_distribution batch_shape {} does not broadcast to "
                    "component_distribution batch_shape {} without its last dim",
                    shape_str(mixture_batch), shape_str(component_batch)));
  }
  init(batch, component_distribution_->event_shape());
}

MixtureSameFamily::MixtureSameFamily(Categorical mixture_distribution,
                                     const Distribution& component_distribution,
                                     std::optional<bool> validate_args)
    : MixtureSameFamily(std::move(mixture_distribution), component_distribution.clone(),
                        validate_args) {}

torch::Tensor MixtureSameFamily::pad(const torch::Tensor& tensor) const {
  return tensor.unsqueeze(-1 - event_dim());
}

torch::Tensor MixtureSameFamily::padded_probs() const {
  Shape shape = mixture_distribution_->batch_shape();
  shape.push_back(mixture_distribution_->num_categories());
  shape.insert(shape.end(), event_shape_.size(), 1);
  return mixture_distribution_->probs().reshape(shape);
}

torch::Tensor MixtureSameFamily::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto component_log_prob = component_distribution_->log_prob(pad(value));
  return at::logsumexp(component_log_prob + mixture_distribution_->logits(), -1);
}

torch::Tensor MixtureSameFamily::sample(const Shape& sample_shape,
                                        c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  // One selection per batch element, also when the mixture weights are shared across the batch.
  const DistributionPtr mixture = mixture_distribution_->batch_shape() == batch_shape_
                                      ? mixture_distribution_
                                      : mixture_distribution_->expand_ptr(batch_shape_);
  const auto selected = mixture->sample(sample_shape, generator);
  const auto components = component_distribution_->sample(sample_shape, generator);
  const auto component_dim = static_cast<int64_t>(sample_shape.size() + batch_shape_.size());
  Shape index_shape = selected.sizes().vec();
  index_shape.insert(index_shape.end(), 1 + event_shape_.size(), 1);
  Shape gathered_shape = extended_shape(sample_shape);
  gathered_shape.insert(gathered_shape.begin() + component_dim, 1);
  const auto index = selected.reshape(index_shape).expand(gathered_shape);
  return components.gather(component_dim, index).squeeze(component_dim);
}

torch::Tensor MixtureSameFamily::mean() const {
  return (padded_probs() * component_distribution_->mean()).sum(-1 - event_dim());
}

torch::Tensor MixtureSameFamily::variance() const {
  const auto probs = padded_probs();
  const auto component_mean = component_distribution_->mean();
  const auto mean_of_variance = (probs * component_distribution_->variance()).sum(-1 - event_dim());
  const auto variance_of_mean =
      (probs * (component_mean - pad(mean())).square()).sum(-1 - event_dim());
  return mean_of_variance + variance_of_mean;
}

DistributionPtr MixtureSameFamily::expand_ptr(const Shape& batch_shape) const {
  check_expand(batch_shape);
  Shape component_batch = batch_shape;
  component_batch.push_back(mixture_distribution_->num_categories());
  auto expanded = std::make_shared<MixtureSameFamily>(*this);
  expanded->component_distribution_ = component_distribution_->expand_ptr(component_batch);
  expanded->mixture_distribution_ =
      std::dynamic_pointer_cast<const Categorical>(mixture_distribution_->expand_ptr(batch_shape));
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

}  // namespace ppl::dist
