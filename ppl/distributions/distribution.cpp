#include "ppl/distributions/distribution.h"

#include "ppl/distributions/finfo.h"

#include <ATen/ExpandUtils.h>
#include <fmt/format.h>

#include <atomic>
#include <limits>
#include <stdexcept>

namespace ppl::dist {

namespace {

std::atomic<bool> validation_enabled{true};

template <class T>
FloatInfo finfo_of() {
  using limits = std::numeric_limits<T>;
  return {static_cast<double>(limits::epsilon()), static_cast<double>(limits::min()),
          static_cast<double>(limits::lowest()), static_cast<double>(limits::max())};
}

// " (at index 3)" or " (at index (0, 3))" for the first false element of `ok`, with the value of
// `value` there when `value` broadcasts to `ok`: "found -1 (at index 3)".
std::string first_violation(const torch::Tensor& value, const torch::Tensor& ok) {
  const auto first = first_true_index(ok.logical_not());
  if (!first) return "found an invalid value";
  const std::vector<int64_t>& index = *first;
  std::string found = "found an invalid value";
  if (at::is_expandable_to(value.sizes(), ok.sizes())) {
    auto element = value.expand(ok.sizes());
    for (int64_t i : index) element = element[i];
    found = fmt::format("found {}", element.item<double>());
  }
  if (index.empty()) return found;
  if (index.size() == 1) return fmt::format("{} (at index {})", found, index[0]);
  return fmt::format("{} (at index {})", found, shape_str(index));
}

}  // namespace

void set_validation_enabled(bool enabled) {
  validation_enabled.store(enabled, std::memory_order_relaxed);
}

bool is_validation_enabled() {
  return validation_enabled.load(std::memory_order_relaxed);
}

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

void Distribution::check_support(const torch::Tensor& value, const torch::Tensor& in_support,
                                 const std::string& support) const {
  if (!validating() || in_support.all().item<bool>()) return;
  throw std::invalid_argument(fmt::format("{}: value out of support {}: {}", name(), support,
                                          first_violation(value, in_support)));
}

void Distribution::check_argument(const char* argument, const torch::Tensor& value,
                                  const torch::Tensor& satisfied,
                                  const std::string& constraint) const {
  if (satisfied.all().item<bool>()) return;
  throw std::invalid_argument(fmt::format("{}: argument '{}' must be {}, {}", name(), argument,
                                          constraint, first_violation(value, satisfied)));
}

void Distribution::check_expand(const Shape& batch_shape) const {
  if (at::is_expandable_to(batch_shape_, batch_shape)) return;
  throw std::invalid_argument(fmt::format("{}: cannot expand batch_shape {} to {}", name(),
                                          shape_str(batch_shape_), shape_str(batch_shape)));
}

std::string shape_str(c10::IntArrayRef shape) {
  return fmt::format("({})", fmt::join(shape, ", "));
}

std::optional<std::vector<int64_t>> first_true_index(const torch::Tensor& flags) {
  const auto flat = flags.reshape(-1).nonzero();
  if (flat.numel() == 0) return std::nullopt;
  int64_t offset = flat[0][0].item<int64_t>();
  std::vector<int64_t> index(flags.dim());
  for (int64_t d = flags.dim() - 1; d >= 0; --d) {
    index[d] = offset % flags.size(d);
    offset /= flags.size(d);
  }
  return index;
}

Shape broadcast_shapes(c10::IntArrayRef a, c10::IntArrayRef b, const std::string& what) {
  const size_t ndim = std::max(a.size(), b.size());
  Shape shape(ndim);
  for (size_t i = 0; i < ndim; ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      throw std::invalid_argument(fmt::format("{}: shapes {} and {} are not broadcastable", what,
                                              shape_str(a), shape_str(b)));
    }
    shape[ndim - 1 - i] = da == 1 ? db : da;
  }
  return shape;
}

}  // namespace ppl::dist
