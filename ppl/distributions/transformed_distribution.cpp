#include "ppl/distributions/transformed_distribution.h"

#include "ppl/distributions/transforms/compose.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace ppl::dist {

TransformedDistribution::LastDraw& TransformedDistribution::LastDraw::operator=(
    const LastDraw& /*other*/) {
  remember(nullptr);
  return *this;
}

void TransformedDistribution::LastDraw::remember(std::shared_ptr<const Draw> draw) {
  std::lock_guard<std::mutex> lock(mutex_);
  draw_ = std::move(draw);
}

std::shared_ptr<const TransformedDistribution::Draw> TransformedDistribution::LastDraw::of(
    const torch::Tensor& value) const {
  std::shared_ptr<const Draw> draw;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    draw = draw_;
  }
  // The draw holds its value, so no other tensor can take over that TensorImpl's address; the
  // version is read only once the tensor is known to be that one (an inference tensor has none).
  const bool same = draw && draw->value.unsafeGetTensorImpl() == value.unsafeGetTensorImpl() &&
                    draw->version == value._version();
  return same ? draw : nullptr;
}

TransformedDistribution::TransformedDistribution(DistributionPtr base,
                                                 std::vector<transforms::TransformPtr> transforms,
                                                 std::optional<bool> validate_args)
    : Distribution(validate_args), base_(std::move(base)), transforms_(std::move(transforms)) {
  if (!base_) throw std::invalid_argument("TransformedDistribution: base distribution is null");
  for (size_t i = 0; i < transforms_.size(); ++i) {
    if (!transforms_[i])
      throw std::invalid_argument(fmt::format("TransformedDistribution: transform {} is null", i));
  }
  const transforms::Compose transform(transforms_);
  const Shape base_shape = base_->extended_shape();
  const int64_t base_event_dim = base_->event_dim();
  const int64_t domain_event_dim = transform.domain_event_dim();
  if (static_cast<int64_t>(base_shape.size()) < domain_event_dim) {
    throw std::invalid_argument(fmt::format(
        "TransformedDistribution: {} needs a base of at least {} dims, found {} of shape {}",
        transform.name(), domain_event_dim, base_->name(), shape_str(base_shape)));
  }
  const Shape forward_shape = transform.forward_shape(base_shape);
  const Shape expanded_base_shape = transform.inverse_shape(forward_shape);
  if (expanded_base_shape != base_shape)
    base_ = base_->expand_ptr(drop_rightmost(expanded_base_shape, base_event_dim));
  if (domain_event_dim > base_event_dim)
    base_ = std::make_shared<Independent>(base_, domain_event_dim - base_event_dim);

  const int64_t codomain_event_dim = transform.codomain_event_dim();
  const int64_t event_dim =
      std::max(codomain_event_dim, base_event_dim + codomain_event_dim - domain_event_dim);
  const auto cut = forward_shape.end() - event_dim;
  init(Shape(forward_shape.begin(), cut), Shape(cut, forward_shape.end()));
  remembers_draws_ = !transforms_.empty() &&
                     std::all_of(transforms_.begin(), transforms_.end(),
                                 [](const auto& transform) { return transform->bijective(); });
}

torch::Tensor TransformedDistribution::sample(const Shape& sample_shape,
                                              c10::optional<at::Generator> generator) const {
  torch::NoGradGuard no_grad;
  auto x = base_->sample(sample_shape, std::move(generator));
  for (const auto& transform : transforms_) x = transform->forward(x);
  return x;
}

torch::Tensor TransformedDistribution::rsample(const Shape& sample_shape,
                                               c10::optional<at::Generator> generator) const {
  auto x = base_->rsample(sample_shape, std::move(generator));
  // Without gradients the remembered base draw would not carry the transforms' parameters into
  // a log_prob that needs them: only a draw with gradients is remembered.
  if (!remembers_draws_ || !torch::GradMode::is_enabled()) {
    for (const auto& transform : transforms_) x = transform->forward(x);
    return x;
  }
  auto draw = std::make_shared<Draw>();
  draw->base_value = x;
  draw->log_abs_det_jacobians.reserve(transforms_.size());
  for (const auto& transform : transforms_) {
    auto [y, log_jacobian] = transform->forward_with_log_abs_det_jacobian(x);
    draw->log_abs_det_jacobians.push_back(std::move(log_jacobian));
    x = std::move(y);
  }
  draw->value = x;
  draw->version = x._version();
  last_draw_.remember(std::move(draw));
  return x;
}

torch::Tensor TransformedDistribution::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto draw = remembers_draws_ ? last_draw_.of(value) : nullptr;
  // Walking back through the transforms, event_dim counts the event dims of the value each one
  // sees; a term covering fewer dims is summed up to them.
  int64_t event_dim = this->event_dim();
  torch::Tensor log_jacobian_sum;
  torch::Tensor y = value;
  for (size_t i = transforms_.size(); i-- > 0;) {
    const auto& transform = *transforms_[i];
    event_dim += transform.domain_event_dim() - transform.codomain_event_dim();
    torch::Tensor log_jacobian;
    if (draw) {
      log_jacobian = draw->log_abs_det_jacobians[i];
    } else {
      const auto x = transform.inverse(y);
      log_jacobian = transform.log_abs_det_jacobian(x, y);
      y = x;
    }
    const auto term = sum_rightmost(log_jacobian, event_dim - transform.domain_event_dim());
    log_jacobian_sum = log_jacobian_sum.defined() ? log_jacobian_sum + term : term;
  }
  const auto base_term =
      sum_rightmost(base_->log_prob(draw ? draw->base_value : y), event_dim - base_->event_dim());
  return log_jacobian_sum.defined() ? base_term - log_jacobian_sum : base_term;
}

int TransformedDistribution::monotone_sign(const char* what) const {
  int sign = 1;
  for (const auto& transform : transforms_) sign *= transform->sign();
  if (sign == 0) {
    throw std::logic_error(
        fmt::format("TransformedDistribution: {} needs monotone transforms, found {} (sign 0)",
                    what, transforms::Compose(transforms_).name()));
  }
  return sign;
}

torch::Tensor TransformedDistribution::cdf(const torch::Tensor& value) const {
  const int sign = monotone_sign("cdf");
  torch::Tensor x = value;
  for (auto it = transforms_.rbegin(); it != transforms_.rend(); ++it) x = (*it)->inverse(x);
  const auto probability = base_->cdf(x);
  return sign == 1 ? probability : 1 - probability;
}

torch::Tensor TransformedDistribution::icdf(const torch::Tensor& value) const {
  const int sign = monotone_sign("icdf");
  auto x = base_->icdf(sign == 1 ? value : 1 - value);
  for (const auto& transform : transforms_) x = transform->forward(x);
  return x;
}

constraints::ConstraintPtr TransformedDistribution::support() const {
  if (transforms_.empty()) return base_->support();
  auto support = transforms_.back()->codomain();
  const int64_t extra = event_dim() - support->event_dim();
  return extra > 0 ? constraints::independent(support, extra) : support;
}

DistributionPtr TransformedDistribution::expand_ptr(const Shape& batch_shape) const {
  check_expand(batch_shape);
  Shape shape = batch_shape;
  shape.insert(shape.end(), event_shape_.begin(), event_shape_.end());
  for (auto it = transforms_.rbegin(); it != transforms_.rend(); ++it)
    shape = (*it)->inverse_shape(shape);
  // The generic expand copies this (of the dynamic type) and expands the args() of a derived
  // distribution; the copy is new and not shared, so it may still be modified here.
  auto expanded = std::const_pointer_cast<Distribution>(Distribution::expand_ptr(batch_shape));
  static_cast<TransformedDistribution&>(*expanded).base_ =
      base_->expand_ptr(drop_rightmost(shape, base_->event_dim()));
  return expanded;
}

}  // namespace ppl::dist
