#include "ppl/distributions/normal.h"

#include <c10/util/MathConstants.h>

#include <cmath>

namespace ppl::dist {

namespace {

const double kHalfLog2Pi = 0.5 * std::log(2 * c10::pi<double>);

/// log N(value | loc, scale) as one autograd node: the forward runs without recording its
/// seven elementwise ops, and the backward is the closed-form gradient.
struct NormalLogProb : torch::autograd::Function<NormalLogProb> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& value,
                               const torch::Tensor& loc, const torch::Tensor& scale) {
    auto z = (value - loc) / scale;
    auto log_prob = z.square().mul_(-0.5).sub_(scale.log()).sub_(kHalfLog2Pi);
    ctx->save_for_backward({z, scale});
    ctx->saved_data["value_shape"] = value.sizes();
    ctx->saved_data["loc_shape"] = loc.sizes();
    return log_prob;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& z = saved[0];
    const auto& scale = saved[1];
    const auto& grad = grad_outputs[0];
    torch::Tensor grad_value, grad_loc, grad_scale;
    if (ctx->needs_input_grad(0) || ctx->needs_input_grad(1)) {
      const auto grad_z = grad * z / scale;  // d log_prob / d loc
      if (ctx->needs_input_grad(0))
        grad_value = at::sum_to(-grad_z, ctx->saved_data["value_shape"].toIntVector());
      if (ctx->needs_input_grad(1))
        grad_loc = at::sum_to(grad_z, ctx->saved_data["loc_shape"].toIntVector());
    }
    if (ctx->needs_input_grad(2))
      grad_scale = at::sum_to(grad * (z.square() - 1) / scale, scale.sizes());
    return {grad_value, grad_loc, grad_scale};
  }
};

}  // namespace

Normal::Normal(torch::Tensor loc, torch::Tensor scale, std::optional<bool> validate_args)
    : DistributionBase(broadcast_shapes(loc.sizes(), scale.sizes(), "Normal: loc and scale"), {},
                       validate_args),
      loc_(loc.sizes() == batch_shape_ ? std::move(loc) : loc.expand(batch_shape_)),
      scale_(scale.sizes() == batch_shape_ ? std::move(scale) : scale.expand(batch_shape_)) {
  if (!validating()) return;
  check_argument("loc", loc_, loc_ == loc_, "real");
  check_argument("scale", scale_, scale_ > 0, "positive");
}

Normal::Normal(torch::Tensor loc, double scale, std::optional<bool> validate_args)
    : Normal(loc, torch::scalar_tensor(scale, loc.options()), validate_args) {}

torch::Tensor Normal::rsample(const Shape& sample_shape,
                              c10::optional<at::Generator> generator) const {
  const auto eps = at::randn(extended_shape(sample_shape), std::move(generator), loc_.options());
  return at::addcmul(loc_, eps, scale_);
}

torch::Tensor Normal::log_prob(const torch::Tensor& value) const {
  if (validating()) check_support(value, value == value, "real");
  return NormalLogProb::apply(value, loc_, scale_);
}

torch::Tensor Normal::entropy() const {
  return 0.5 + kHalfLog2Pi + scale_.log();
}

DistributionPtr Normal::expand(const Shape& batch_shape) const {
  check_expand(batch_shape);
  auto expanded = std::make_shared<Normal>(*this);
  expanded->loc_ = loc_.expand(batch_shape);
  expanded->scale_ = scale_.expand(batch_shape);
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

}  // namespace ppl::dist
