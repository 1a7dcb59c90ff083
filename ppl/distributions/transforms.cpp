#include "ppl/distributions/transforms.h"

#include "ppl/distributions/finfo.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace ppl::transforms {

namespace {

using dist::finfo;

// sigmoid(x) clamped to [tiny, 1 - eps] so that 0 and 1 are never reached (PyTorch's
// `_clipped_sigmoid`).
torch::Tensor clipped_sigmoid(const torch::Tensor& x) {
  const auto info = finfo(x.scalar_type());
  return x.sigmoid().clamp(info.tiny, 1 - info.eps);
}

class Identity : public Transform {
 public:
  torch::Tensor forward(const torch::Tensor& x) const override { return x; }
  torch::Tensor inverse(const torch::Tensor& y) const override { return y; }
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const override {
    return torch::zeros_like(x);
  }
};

// y = lower_bound + exp(x).
class ShiftedExp : public Transform {
 public:
  explicit ShiftedExp(double lower_bound) : lower_bound_(lower_bound) {}
  torch::Tensor forward(const torch::Tensor& x) const override {
    return lower_bound_ == 0 ? x.exp() : x.exp() + lower_bound_;
  }
  torch::Tensor inverse(const torch::Tensor& y) const override {
    return lower_bound_ == 0 ? y.log() : (y - lower_bound_).log();
  }
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const override {
    return x;
  }

 private:
  double lower_bound_;
};

// y = lower_bound + (upper_bound - lower_bound) * sigmoid(x).
class AffineSigmoid : public Transform {
 public:
  AffineSigmoid(double lower_bound, double upper_bound)
      : lower_bound_(lower_bound),
        width_(upper_bound - lower_bound),
        unit_(lower_bound == 0 && upper_bound == 1) {}
  torch::Tensor forward(const torch::Tensor& x) const override {
    const auto p = clipped_sigmoid(x);
    return unit_ ? p : p * width_ + lower_bound_;
  }
  torch::Tensor inverse(const torch::Tensor& y) const override {
    const auto info = finfo(y.scalar_type());
    const auto p = (unit_ ? y : (y - lower_bound_) / width_).clamp(info.tiny, 1 - info.eps);
    return p.log() - (-p).log1p();
  }
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x, const torch::Tensor&) const override {
    const auto log_jacobian = -at::softplus(-x) - at::softplus(x);
    return unit_ ? log_jacobian : log_jacobian + std::log(width_);
  }

 private:
  double lower_bound_;
  double width_;
  bool unit_;
};

// R^{K-1} -> K-simplex by stick breaking (PyTorch's StickBreakingTransform).
class StickBreaking : public Transform {
 public:
  torch::Tensor forward(const torch::Tensor& x) const override {
    const auto z = clipped_sigmoid(x - log_offset(x));
    const auto remaining = (1 - z).cumprod(-1);
    return at::constant_pad_nd(z, {0, 1}, 1) * at::constant_pad_nd(remaining, {1, 0}, 1);
  }
  torch::Tensor inverse(const torch::Tensor& y) const override {
    const auto head = y.narrow(-1, 0, y.size(-1) - 1);
    const auto rest = (1 - head.cumsum(-1)).clamp_min(finfo(y.scalar_type()).tiny);
    return head.log() - rest.log() + log_offset(head);
  }
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x,
                                     const torch::Tensor& y) const override {
    const auto shifted = x - log_offset(x);
    const auto head = y.narrow(-1, 0, y.size(-1) - 1);
    return (-shifted + at::log_sigmoid(shifted) + head.log()).sum(-1);
  }

 private:
  // log(K-1, K-2, ..., 1) for x of last dim K-1.
  static torch::Tensor log_offset(const torch::Tensor& x) {
    return at::arange(x.size(-1), 0, -1, x.options()).log();
  }
};

}  // namespace

TransformPtr biject_to(const constraints::ConstraintPtr& constraint) {
  using namespace constraints;
  static const TransformPtr identity = std::make_shared<Identity>();
  static const TransformPtr exp = std::make_shared<ShiftedExp>(0);
  static const TransformPtr sigmoid = std::make_shared<AffineSigmoid>(0, 1);
  static const TransformPtr stick_breaking = std::make_shared<StickBreaking>();
  const Constraint* c = constraint.get();
  if (dynamic_cast<const Real*>(c)) return identity;
  if (dynamic_cast<const Positive*>(c)) return exp;
  if (auto greater = dynamic_cast<const GreaterThan*>(c)) {
    return std::make_shared<ShiftedExp>(greater->lower_bound());
  }
  if (dynamic_cast<const UnitInterval*>(c)) return sigmoid;
  if (auto bounded = dynamic_cast<const Interval*>(c)) {
    return std::make_shared<AffineSigmoid>(bounded->lower_bound(), bounded->upper_bound());
  }
  if (dynamic_cast<const Simplex*>(c)) return stick_breaking;
  throw std::invalid_argument(fmt::format("biject_to: no transform onto constraint '{}'",
                                          c ? c->to_string() : std::string("null")));
}

}  // namespace ppl::transforms
