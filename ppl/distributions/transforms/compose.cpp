#include "ppl/distributions/transforms/compose.h"

#include "ppl/distributions/distribution.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

namespace ppl::transforms {

Compose::Compose(std::vector<TransformPtr> parts) : parts_(std::move(parts)) {
  for (const auto& part : parts_) {
    if (!part) throw std::invalid_argument("Compose: a part is null");
  }
}

std::string Compose::name() const {
  if (parts_.empty()) return "Identity";
  std::vector<std::string> names;
  for (const auto& part : parts_) names.push_back(part->name());
  return fmt::format("Compose({})", fmt::join(names, ", "));
}

torch::Tensor Compose::forward(const torch::Tensor& x) const {
  torch::Tensor y = x;
  for (const auto& part : parts_) y = part->forward(y);
  return y;
}

torch::Tensor Compose::inverse(const torch::Tensor& y) const {
  torch::Tensor x = y;
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) x = (*it)->inverse(x);
  return x;
}

torch::Tensor Compose::log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const {
  if (parts_.empty()) return torch::zeros_like(x);
  // Each part's term covers its own domain event dims; sum the rest so all reach the
  // composite's event dims, counted on the intermediate value each part sees.
  torch::Tensor total;
  torch::Tensor input = x;
  int64_t event_dim = domain_event_dim();
  for (size_t i = 0; i < parts_.size(); ++i) {
    const auto& part = parts_[i];
    const auto output = i + 1 == parts_.size() ? y : part->forward(input);
    const auto term = dist::sum_rightmost(part->log_abs_det_jacobian(input, output),
                                          event_dim - part->domain_event_dim());
    total = total.defined() ? total + term : term;
    event_dim += part->codomain_event_dim() - part->domain_event_dim();
    input = output;
  }
  return total;
}

constraints::ConstraintPtr Compose::domain() const {
  if (parts_.empty()) return constraints::real;
  // The first part's domain, widened to the largest event dim any later part needs.
  int64_t event_dim = parts_.back()->codomain_event_dim();
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) {
    event_dim += (*it)->domain_event_dim() - (*it)->codomain_event_dim();
    event_dim = std::max(event_dim, (*it)->domain_event_dim());
  }
  const auto first = parts_.front()->domain();
  return event_dim == first->event_dim()
             ? first
             : constraints::independent(first, event_dim - first->event_dim());
}

constraints::ConstraintPtr Compose::codomain() const {
  if (parts_.empty()) return constraints::real;
  int64_t event_dim = parts_.front()->domain_event_dim();
  for (const auto& part : parts_) {
    event_dim += part->codomain_event_dim() - part->domain_event_dim();
    event_dim = std::max(event_dim, part->codomain_event_dim());
  }
  const auto last = parts_.back()->codomain();
  return event_dim == last->event_dim()
             ? last
             : constraints::independent(last, event_dim - last->event_dim());
}

bool Compose::bijective() const {
  for (const auto& part : parts_) {
    if (!part->bijective()) return false;
  }
  return true;
}

int Compose::sign() const {
  int sign = 1;
  for (const auto& part : parts_) sign *= part->sign();
  return sign;
}

Shape Compose::forward_shape(const Shape& shape) const {
  Shape result = shape;
  for (const auto& part : parts_) result = part->forward_shape(result);
  return result;
}

Shape Compose::inverse_shape(const Shape& shape) const {
  Shape result = shape;
  for (auto it = parts_.rbegin(); it != parts_.rend(); ++it) result = (*it)->inverse_shape(result);
  return result;
}

bool Compose::equals(const Transform& other) const {
  const auto* compose = dynamic_cast<const Compose*>(&other);
  if (!compose || compose->parts_.size() != parts_.size()) return false;
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (!parts_[i]->equals(*compose->parts_[i])) return false;
  }
  return true;
}

TransformPtr identity() {
  static const TransformPtr instance = std::make_shared<Compose>();
  return instance;
}

}  // namespace ppl::transforms
