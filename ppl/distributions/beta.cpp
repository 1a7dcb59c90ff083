#include "ppl/distributions/beta.h"

namespace ppl::dist {

namespace {

/// x = g1 / (g1 + g0) with g1, g0 standard gamma draws of concentrations 1 and 0, as one autograd
/// node: the backward chains the gammas' implicit gradients (`_standard_gamma_grad`) through the
/// ratio. ATen clamps standard gamma draws below at the dtype's smallest normal value, so g1 + g0
/// is positive.
struct BetaDraw : torch::autograd::Function<BetaDraw> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx,
                               const torch::Tensor& concentration1,
                               const torch::Tensor& concentration0,
                               c10::optional<at::Generator> generator) {
    const auto gamma1 = at::_standard_gamma(concentration1, generator);
    const auto gamma0 = at::_standard_gamma(concentration0, generator);
    const auto total = gamma1 + gamma0;
    auto x = gamma1 / total;
    ctx->save_for_backward({concentration1, concentration0, gamma1, gamma0, x, total});
    return x;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[4];
    // dx/dg1 = (1 - x) / (g1 + g0) and dx/dg0 = -x / (g1 + g0).
    const auto grad_over_total = grad_outputs[0] / saved[5];
    torch::Tensor grad1, grad0;
    if (ctx->needs_input_grad(0))
      grad1 = (1 - x).mul_(grad_over_total).mul_(at::_standard_gamma_grad(saved[0], saved[2]));
    if (ctx->needs_input_grad(1))
      grad0 = (-x).mul_(grad_over_total).mul_(at::_standard_gamma_grad(saved[1], saved[3]));
    return {grad1, grad0, torch::Tensor()};
  }
};

}  // namespace

Beta::Beta(TensorOrNumber concentration1, TensorOrNumber concentration0,
           std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(concentration1_, concentration0_) =
      broadcast_all("Beta: concentration1 and concentration0", concentration1, concentration0);
  init(concentration1_.sizes());
}

torch::Tensor Beta::rsample(const Shape& sample_shape,
                            c10::optional<at::Generator> generator) const {
  const auto shape = extended_shape(sample_shape);
  if (concentration1_.sizes().equals(shape))
    return BetaDraw::apply(concentration1_, concentration0_, std::move(generator));
  return BetaDraw::apply(concentration1_.expand(shape), concentration0_.expand(shape),
                         std::move(generator));
}

torch::Tensor Beta::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto total = concentration1_ + concentration0_;
  return at::xlogy(concentration1_ - 1, value)
      .add_(at::xlogy(concentration0_ - 1, 1 - value))
      .add_(total.lgamma().sub_(concentration1_.lgamma()).sub_(concentration0_.lgamma()));
}

torch::Tensor Beta::mean() const {
  return concentration1_ / (concentration1_ + concentration0_);
}

torch::Tensor Beta::variance() const {
  const auto total = concentration1_ + concentration0_;
  return concentration1_ * concentration0_ / (total.square() * (total + 1));
}

torch::Tensor Beta::entropy() const {
  const auto total = concentration1_ + concentration0_;
  return concentration1_.lgamma() + concentration0_.lgamma() - total.lgamma() -
         (concentration1_ - 1) * concentration1_.digamma() -
         (concentration0_ - 1) * concentration0_.digamma() + (total - 2) * total.digamma();
}

}  // namespace ppl::dist
