#include "ppl/distributions/transforms/independent.h"

#include "ppl/distributions/distribution.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::transforms {

namespace {

void check_dims(const IndependentTransform& transform, const torch::Tensor& value,
                int64_t event_dim, const char* what) {
  if (value.dim() >= event_dim) return;
  throw std::invalid_argument(fmt::format("{}: expected {} with at least {} dims, found shape {}",
                                          transform.name(), what, event_dim,
                                          dist::shape_str(value.sizes())));
}

}  // namespace

IndependentTransform::IndependentTransform(TransformPtr base, int64_t reinterpreted_batch_ndims)
    : base_(std::move(base)), reinterpreted_batch_ndims_(reinterpreted_batch_ndims) {
  if (!base_) throw std::invalid_argument("IndependentTransform: base transform is null");
  if (reinterpreted_batch_ndims_ < 0) {
    throw std::invalid_argument(
        fmt::format("IndependentTransform: reinterpreted_batch_ndims must be >= 0, found {}",
                    reinterpreted_batch_ndims_));
  }
}

std::string IndependentTransform::name() const {
  return fmt::format("IndependentTransform({}, {})", base_->name(), reinterpreted_batch_ndims_);
}

torch::Tensor IndependentTransform::forward(const torch::Tensor& x) const {
  check_dims(*this, x, domain_event_dim(), "x");
  return base_->forward(x);
}

torch::Tensor IndependentTransform::inverse(const torch::Tensor& y) const {
  check_dims(*this, y, codomain_event_dim(), "y");
  return base_->inverse(y);
}

torch::Tensor IndependentTransform::log_abs_det_jacobian(const torch::Tensor& x,
                                                         const torch::Tensor& y) const {
  return dist::sum_rightmost(base_->log_abs_det_jacobian(x, y), reinterpreted_batch_ndims_);
}

constraints::ConstraintPtr IndependentTransform::domain() const {
  return constraints::independent(base_->domain(), reinterpreted_batch_ndims_);
}

constraints::ConstraintPtr IndependentTransform::codomain() const {
  return constraints::independent(base_->codomain(), reinterpreted_batch_ndims_);
}

bool IndependentTransform::equals(const Transform& other) const {
  const auto* independent = dynamic_cast<const IndependentTransform*>(&other);
  return independent && independent->reinterpreted_batch_ndims_ == reinterpreted_batch_ndims_ &&
         independent->base_->equals(*base_);
}

}  // namespace ppl::transforms
