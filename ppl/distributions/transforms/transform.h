#pragma once
// The Transform interface (PyTorch's `torch.distributions.transforms.Transform`): a map y = f(x)
// with its inverse and the log-determinant of its Jacobian, between two constrained spaces.

#include "ppl/distributions/constraints.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ppl::transforms {

using Shape = std::vector<int64_t>;

class Transform {
 public:
  virtual ~Transform() = default;
  /// Short name for messages ("Exp", "Affine", "Compose(Exp, Affine)").
  virtual std::string name() const = 0;
  /// y = f(x).
  virtual torch::Tensor forward(const torch::Tensor& x) const = 0;
  /// x = f^{-1}(y) (a right inverse for transforms that are not bijective).
  virtual torch::Tensor inverse(const torch::Tensor& y) const = 0;
  /// log |det df/dx| at (x, y = f(x)), summed over the domain's event dims: its shape is x's
  /// without the domain's `event_dim()` rightmost dims.
  virtual torch::Tensor log_abs_det_jacobian(const torch::Tensor& x,
                                             const torch::Tensor& y) const = 0;
  /// y = f(x) and log |det df/dx| together (what an autoguide needs every step); a transform
  /// that shares work between the two overrides it.
  virtual std::pair<torch::Tensor, torch::Tensor> forward_with_log_abs_det_jacobian(
      const torch::Tensor& x) const {
    auto y = forward(x);
    auto log_jacobian = log_abs_det_jacobian(x, y);
    return {std::move(y), std::move(log_jacobian)};
  }

  /// The space of x and of y; their event_dim is the number of rightmost dims f acts on jointly.
  virtual constraints::ConstraintPtr domain() const { return constraints::real; }
  virtual constraints::ConstraintPtr codomain() const { return constraints::real; }
  int64_t domain_event_dim() const { return domain()->event_dim(); }
  int64_t codomain_event_dim() const { return codomain()->event_dim(); }
  /// Whether f is a bijection between domain and codomain.
  virtual bool bijective() const { return true; }
  /// +1 or -1 for a monotone elementwise f (increasing or decreasing); 0 when not monotone or not
  /// elementwise.
  virtual int sign() const { return 0; }
  /// The shape of y for x of `shape` (and the reverse), for transforms that change shapes.
  virtual Shape forward_shape(const Shape& shape) const { return shape; }
  virtual Shape inverse_shape(const Shape& shape) const { return shape; }
  /// Whether `other` is the same map (same type and parameters).
  virtual bool equals(const Transform& other) const { return typeid(*this) == typeid(other); }
};

using TransformPtr = std::shared_ptr<const Transform>;

}  // namespace ppl::transforms
