#include "ppl/distributions/independent.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist {

Independent::Independent(DistributionPtr base, int64_t reinterpreted_batch_ndims,
                         std::optional<bool> validate_args)
    : DistributionBase({}, {}, validate_args),
      base_(std::move(base)),
      reinterpreted_batch_ndims_(reinterpreted_batch_ndims) {
  if (!base_) throw std::invalid_argument("Independent: base distribution is null");
  const Shape& base_batch = base_->batch_shape();
  const auto base_ndims = static_cast<int64_t>(base_batch.size());
  if (reinterpreted_batch_ndims_ < 0 || reinterpreted_batch_ndims_ > base_ndims) {
    throw std::invalid_argument(fmt::format("to_event({}) but base {} has batch_shape {}",
                                            reinterpreted_batch_ndims_, base_->name(),
                                            shape_str(base_batch)));
  }
  const auto split = base_batch.end() - reinterpreted_batch_ndims_;
  batch_shape_.assign(base_batch.begin(), split);
  event_shape_.assign(split, base_batch.end());
  event_shape_.insert(event_shape_.end(), base_->event_shape().begin(), base_->event_shape().end());
  if (auto inner = std::dynamic_pointer_cast<const Independent>(base_)) {
    base_ = inner->base_;
    reinterpreted_batch_ndims_ += inner->reinterpreted_batch_ndims_;
  }
}

torch::Tensor Independent::sample(const Shape& sample_shape,
                                  c10::optional<at::Generator> generator) const {
  return base_->sample(sample_shape, std::move(generator));
}

torch::Tensor Independent::rsample(const Shape& sample_shape,
                                   c10::optional<at::Generator> generator) const {
  return base_->rsample(sample_shape, std::move(generator));
}

torch::Tensor Independent::sum_reinterpreted(const torch::Tensor& tensor) const {
  return sum_rightmost(tensor, reinterpreted_batch_ndims_);
}

constraints::ConstraintPtr Independent::support() const {
  return constraints::independent(base_->support(), reinterpreted_batch_ndims_);
}

bool Independent::has_enumerate_support() const {
  return reinterpreted_batch_ndims_ == 0 && base_->has_enumerate_support();
}

torch::Tensor Independent::enumerate_support(bool expand) const {
  if (reinterpreted_batch_ndims_ > 0) {
    throw std::logic_error(fmt::format(
        "Independent: enumerate_support over {} reinterpreted batch dims is not supported",
        reinterpreted_batch_ndims_));
  }
  return base_->enumerate_support(expand);
}

torch::Tensor Independent::log_prob(const torch::Tensor& value) const {
  return sum_reinterpreted(base_->log_prob(value));
}

torch::Tensor Independent::entropy() const {
  return sum_reinterpreted(base_->entropy());
}

DistributionPtr Independent::expand_ptr(const Shape& batch_shape) const {
  check_expand(batch_shape);
  Shape base_shape = batch_shape;
  const Shape& base_batch = base_->batch_shape();
  base_shape.insert(base_shape.end(), base_batch.end() - reinterpreted_batch_ndims_,
                    base_batch.end());
  auto expanded = std::make_shared<Independent>(*this);
  expanded->base_ = base_->expand_ptr(base_shape);
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

}  // namespace ppl::dist
