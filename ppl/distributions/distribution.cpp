#include "ppl/distributions/distribution.h"

#include "ppl/distributions/finfo.h"

#include <ATen/ExpandUtils.h>
#include <fmt/format.h>

#include <limits>
#include <stdexcept>

namespace ppl::dist {

namespace {

template <class T>
FloatInfo finfo_of() {
  using limits = std::numeric_limits<T>;
  return {static_cast<double>(limits::epsilon()), static_cast<double>(limits::min()),
          static_cast<double>(limits::lowest()), static_cast<double>(limits::max())};
}

bool broadcastable(c10::IntArrayRef a, c10::IntArrayRef b) {
  for (size_t i = 1; i <= std::min(a.size(), b.size()); ++i) {
    const int64_t da = a[a.size() - i], db = b[b.size() - i];
    if (da != db && da != 1 && db != 1) return false;
  }
  return true;
}

}  // namespace

FloatInfo finfo(c10::ScalarType dtype) {
  switch (dtype) {
    case c10::kDouble:
      return finfo_of<double>();
    case c10::kFloat:
      return finfo_of<float>();
    case c10::kHalf:
      return finfo_of<c10::Half>();
    case c10::kBFloat16:
      return finfo_of<c10::BFloat16>();
    default:
      throw std::invalid_argument(
          fmt::format("finfo: expected a floating dtype, found {}", c10::toString(dtype)));
  }
}

Shape Distribution::extended_shape(const Shape& sample_shape) const {
  Shape shape = sample_shape;
  shape.insert(shape.end(), batch_shape_.begin(), batch_shape_.end());
  shape.insert(shape.end(), event_shape_.begin(), event_shape_.end());
  return shape;
}

torch::Tensor Distribution::sample(const Shape& sample_shape,
                                   c10::optional<at::Generator> generator) const {
  if (!has_rsample()) throw std::logic_error(name() + " has no sample");
  torch::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(generator));
}

torch::Tensor Distribution::rsample(const Shape&, c10::optional<at::Generator>) const {
  throw std::logic_error(name() + " has no rsample");
}

torch::Tensor Distribution::draw(const Shape& sample_shape,
                                 c10::optional<at::Generator> generator) const {
  return has_rsample() ? rsample(sample_shape, std::move(generator))
                       : sample(sample_shape, std::move(generator));
}

torch::Tensor Distribution::cdf(const torch::Tensor&) const {
  throw std::logic_error("cdf not implemented for " + name());
}

torch::Tensor Distribution::icdf(const torch::Tensor&) const {
  throw std::logic_error("icdf not implemented for " + name());
}

torch::Tensor Distribution::enumerate_support(bool) const {
  throw std::logic_error(name() + " has no enumerate_support (its support is not finite)");
}

torch::Tensor Distribution::mean() const {
  throw std::logic_error("mean not implemented for " + name());
}

torch::Tensor Distribution::variance() const {
  throw std::logic_error("variance not implemented for " + name());
}

torch::Tensor Distribution::entropy() const {
  throw std::logic_error("entropy not implemented for " + name());
}

Independent Distribution::to_event(int64_t n) const {
  return Independent(clone(), n);
}

MaskedDistribution Distribution::mask(const torch::Tensor& mask) const {
  return MaskedDistribution(clone(), mask);
}

std::vector<std::pair<std::string, constraints::ConstraintPtr>> Distribution::arg_constraints()
    const {
  std::vector<std::pair<std::string, constraints::ConstraintPtr>> result;
  // args() only hands out pointers to this instance's tensors; nothing is modified here.
  for (const Arg& arg : args()) {
    if (arg.value->defined()) result.emplace_back(arg.name, arg.constraint);
  }
  return result;
}

void Distribution::init(c10::IntArrayRef batch_shape, c10::IntArrayRef event_shape) {
  batch_shape_.assign(batch_shape.begin(), batch_shape.end());
  event_shape_.assign(event_shape.begin(), event_shape.end());
  validate_args_now();
}

void Distribution::validate_args_now() {
  if (!validating()) return;
  for (const Arg& arg : args()) {
    if (!arg.value->defined() || dynamic_cast<const constraints::Dependent*>(arg.constraint.get()))
      continue;
    check_argument(arg.name, *arg.value, arg.constraint->check(*arg.value),
                   arg.constraint->to_string(), arg.logits_form);
  }
}

void Distribution::validate_sample(const torch::Tensor& value) const {
  if (!validating()) return;
  const auto event = static_cast<int64_t>(event_shape_.size());
  const auto sizes = value.sizes();
  const bool fits = value.dim() >= event &&
                    sizes.slice(value.dim() - event).equals(c10::IntArrayRef(event_shape_)) &&
                    broadcastable(drop_rightmost(sizes, event), batch_shape_);
  if (!fits) {
    throw std::invalid_argument(
        fmt::format("{}: value of shape {} does not fit batch_shape {} and event_shape {}", name(),
                    shape_str(sizes), shape_str(batch_shape_), shape_str(event_shape_)));
  }
  const auto support = this->support();
  if (dynamic_cast<const constraints::Dependent*>(support.get())) return;
  const auto in_support = support->check(value);
  if (in_support.all().item<bool>()) return;
  throw std::invalid_argument(fmt::format("{}: value out of support {}: {}", name(),
                                          support->to_string(),
                                          constraints::describe_violation(value, in_support)));
}

Expanded Distribution::expand(const Shape& batch_shape) const {
  return Expanded(expand_ptr(batch_shape));
}

DistributionPtr Distribution::expand_ptr(const Shape& batch_shape) const {
  check_expand(batch_shape);
  auto expanded = copy();
  for (const Arg& arg : expanded->args()) {
    if (!arg.value->defined()) continue;
    Shape shape = batch_shape;
    const auto sizes = arg.value->sizes();
    shape.insert(shape.end(), sizes.end() - arg.event_dim, sizes.end());
    // The copy is ours and not const: its args may change.
    *const_cast<torch::Tensor*>(arg.value) = arg.value->expand(shape);
  }
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

void Distribution::check_argument(const std::string& argument, const torch::Tensor& value,
                                  const torch::Tensor& satisfied, const std::string& constraint,
                                  const char* logits_form) const {
  if (satisfied.all().item<bool>()) return;
  std::string error = fmt::format("{}: argument '{}' must be {}, {}", name(), argument, constraint,
                                  constraints::describe_violation(value, satisfied));
  if (logits_form && (value < 0).logical_or(value > 1).any().item<bool>())
    error += fmt::format("; if these are logits, use {}", logits_form);
  throw std::invalid_argument(error);
}

torch::Tensor Distribution::support_along_batch(const torch::Tensor& values, bool expand) const {
  Shape shape{values.size(0)};
  shape.insert(shape.end(), batch_shape_.size(), 1);
  shape.insert(shape.end(), event_shape_.begin(), event_shape_.end());
  const auto reshaped = values.reshape(shape);
  if (!expand) return reshaped;
  std::copy(batch_shape_.begin(), batch_shape_.end(), shape.begin() + 1);
  return reshaped.expand(shape);
}

void Distribution::check_expand(const Shape& batch_shape) const {
  if (at::is_expandable_to(batch_shape_, batch_shape)) return;
  throw std::invalid_argument(fmt::format("{}: cannot expand batch_shape {} to {}", name(),
                                          shape_str(batch_shape_), shape_str(batch_shape)));
}

}  // namespace ppl::dist
