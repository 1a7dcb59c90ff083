#pragma once
// IndependentTransform: a base transform whose domain and codomain take `reinterpreted_batch_ndims`
// more rightmost dims as one event (PyTorch's IndependentTransform); the log-det is summed over
// them.

#include "ppl/distributions/transforms/transform.h"

namespace ppl::transforms {

class IndependentTransform : public Transform {
 public:
  /// std::invalid_argument when `base` is null or `reinterpreted_batch_ndims` negative.
  IndependentTransform(TransformPtr base, int64_t reinterpreted_batch_ndims);
  const TransformPtr& base() const { return base_; }
  int64_t reinterpreted_batch_ndims() const { return reinterpreted_batch_ndims_; }

  std::string name() const override;
  /// base(x); std::invalid_argument when x has fewer dims than the domain's event dims.
  torch::Tensor forward(const torch::Tensor& x) const override;
  torch::Tensor inverse(const torch::Tensor& y) const override;
  /// base's log-det summed over the rightmost `reinterpreted_batch_ndims` dims.
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor& y) const override;
  /// independent(base domain, reinterpreted_batch_ndims).
  constraints::ConstraintPtr domain() const override;
  /// independent(base codomain, reinterpreted_batch_ndims).
  constraints::ConstraintPtr codomain() const override;
  bool bijective() const override { return base_->bijective(); }
  int sign() const override { return base_->sign(); }
  Shape forward_shape(const Shape& shape) const override { return base_->forward_shape(shape); }
  Shape inverse_shape(const Shape& shape) const override { return base_->inverse_shape(shape); }
  bool equals(const Transform& other) const override;

 private:
  TransformPtr base_;
  int64_t reinterpreted_batch_ndims_;
};

}  // namespace ppl::transforms
