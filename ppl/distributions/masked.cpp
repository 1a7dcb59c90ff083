#include "ppl/distributions/masked.h"

#include <ATen/ExpandUtils.h>
#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist {

MaskedDistribution::MaskedDistribution(DistributionPtr base, torch::Tensor mask)
    : DistributionBase({}, {}, std::nullopt), base_(std::move(base)), mask_(std::move(mask)) {
  if (!base_) throw std::invalid_argument("MaskedDistribution: base distribution is null");
  if (!mask_.defined() || mask_.scalar_type() != c10::kBool) {
    throw std::invalid_argument(fmt::format(
        "MaskedDistribution: mask must be a bool tensor, found {}",
        mask_.defined() ? std::string(c10::toString(mask_.scalar_type())) : "undefined"));
  }
  batch_shape_ = base_->batch_shape();
  event_shape_ = base_->event_shape();
  if (!at::is_expandable_to(mask_.sizes(), batch_shape_)) {
    throw std::invalid_argument(
        fmt::format("MaskedDistribution: mask of shape {} does not broadcast to {} batch_shape {}",
                    shape_str(mask_.sizes()), base_->name(), shape_str(batch_shape_)));
  }
}

torch::Tensor MaskedDistribution::sample(const Shape& sample_shape,
                                         c10::optional<at::Generator> generator) const {
  return base_->sample(sample_shape, std::move(generator));
}

torch::Tensor MaskedDistribution::rsample(const Shape& sample_shape,
                                          c10::optional<at::Generator> generator) const {
  return base_->rsample(sample_shape, std::move(generator));
}

torch::Tensor MaskedDistribution::log_prob(const torch::Tensor& value) const {
  return at::where(mask_, base_->log_prob(value), 0);
}

torch::Tensor MaskedDistribution::entropy() const {
  return at::where(mask_, base_->entropy(), 0);
}

DistributionPtr MaskedDistribution::expand_ptr(const Shape& batch_shape) const {
  check_expand(batch_shape);
  auto expanded = std::make_shared<MaskedDistribution>(*this);
  expanded->base_ = base_->expand_ptr(batch_shape);
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

}  // namespace ppl::dist
