#include "ppl/distributions/delta.h"

#include <ATen/ExpandUtils.h>
#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist {

Delta::Delta(torch::Tensor v, torch::Tensor log_density, int64_t event_dim,
             std::optional<bool> validate_args)
    : DistributionBase({}, {}, validate_args), v_(std::move(v)) {
  if (event_dim < 0 || event_dim > v_.dim()) {
    throw std::invalid_argument(
        fmt::format("Delta: event_dim {} but v has shape {}", event_dim, shape_str(v_.sizes())));
  }
  const auto sizes = v_.sizes();
  batch_shape_.assign(sizes.begin(), sizes.end() - event_dim);
  event_shape_.assign(sizes.end() - event_dim, sizes.end());
  if (!log_density.defined()) return;
  if (!at::is_expandable_to(log_density.sizes(), batch_shape_)) {
    throw std::invalid_argument(
        fmt::format("Delta: log_density of shape {} does not broadcast to batch_shape {}",
                    shape_str(log_density.sizes()), shape_str(batch_shape_)));
  }
  log_density_ = log_density.sizes() == batch_shape_ ? std::move(log_density)
                                                     : log_density.expand(batch_shape_);
}

torch::Tensor Delta::rsample(const Shape& sample_shape, c10::optional<at::Generator>) const {
  if (sample_shape.empty()) return v_;
  return v_.expand(extended_shape(sample_shape));
}

torch::Tensor Delta::log_prob(const torch::Tensor& value) const {
  const auto dtype = value.is_floating_point() ? value.scalar_type()
                     : v_.is_floating_point()  ? v_.scalar_type()
                                               : c10::typeMetaToScalarType(at::get_default_dtype());
  if (value.is_same(v_)) {  // its own draw (an autoguide's site): nothing to compare
    return log_density_.defined() ? log_density_
                                  : torch::zeros(batch_shape_, v_.options().dtype(dtype));
  }
  const auto log_prob = sum_rightmost((value == v_).to(dtype).log(), event_dim());
  return log_density_.defined() ? log_prob + log_density_ : log_prob;
}

constraints::ConstraintPtr Delta::support() const {
  return constraints::independent(constraints::real, event_dim());
}

}  // namespace ppl::dist
