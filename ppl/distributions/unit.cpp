#include "ppl/distributions/unit.h"

namespace ppl::dist {

Unit::Unit(torch::Tensor log_factor, std::optional<bool> validate_args)
    : DistributionBase(log_factor.sizes().vec(), {0}, validate_args),
      log_factor_(std::move(log_factor)) {}

torch::Tensor Unit::sample(const Shape& sample_shape, c10::optional<at::Generator>) const {
  return at::empty(extended_shape(sample_shape), log_factor_.options());
}

torch::Tensor Unit::rsample(const Shape& sample_shape,
                            c10::optional<at::Generator> generator) const {
  return sample(sample_shape, std::move(generator));
}

torch::Tensor Unit::log_prob(const torch::Tensor& value) const {
  const auto value_batch =
      value.dim() > 0 ? value.sizes().slice(0, value.dim() - 1) : value.sizes();
  if (value_batch == c10::IntArrayRef(batch_shape_)) return log_factor_;
  return log_factor_.expand(broadcast_shapes(batch_shape_, value_batch, "Unit.log_prob"));
}

}  // namespace ppl::dist
