#include "ppl/distributions/dirichlet.h"

#include <stdexcept>

namespace ppl::dist {

namespace {

/// x = g / sum(g) for standard gamma draws g of the concentrations, as one autograd node: the
/// backward chains the gammas' implicit gradients (`_standard_gamma_grad`) through the
/// normalization, dx_i/dg_j = (delta_ij - x_i) / sum(g). The same distribution and gradients as
/// ATen's `_sample_dirichlet` with `_dirichlet_grad` (PyTorch's route), measured faster on the CPU
/// (bench/distributions). ATen clamps standard gamma draws below at the smallest normal value, so
/// the sum is positive.
struct DirichletDraw : torch::autograd::Function<DirichletDraw> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx,
                               const torch::Tensor& concentration,
                               c10::optional<at::Generator> generator) {
    const auto gammas = at::_standard_gamma(concentration, std::move(generator));
    const auto total = gammas.sum(-1, /*keepdim=*/true);
    auto x = gammas / total;
    ctx->save_for_backward({concentration, gammas, x, total});
    return x;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& grad = grad_outputs[0];
    const auto grad_gammas = (grad - (grad * saved[2]).sum(-1, /*keepdim=*/true)).div_(saved[3]);
    return {grad_gammas.mul_(at::_standard_gamma_grad(saved[0], saved[1])), torch::Tensor()};
  }
};

torch::Tensor checked(torch::Tensor concentration) {
  if (concentration.dim() < 1) {
    throw std::invalid_argument(
        "Dirichlet: argument 'concentration' must be at least one-dimensional");
  }
  return concentration;
}

}  // namespace

Dirichlet::Dirichlet(TensorOrNumber concentration, std::optional<bool> validate_args)
    : DistributionBase(validate_args),
      concentration_(checked(concentration.to_tensor(options_of({concentration})))) {
  const auto sizes = concentration_.sizes();
  init(sizes.slice(0, sizes.size() - 1), sizes.slice(sizes.size() - 1));
}

torch::Tensor Dirichlet::rsample(const Shape& sample_shape,
                                 c10::optional<at::Generator> generator) const {
  const auto shape = extended_shape(sample_shape);
  const bool same = concentration_.sizes().equals(shape);
  return DirichletDraw::apply(same ? concentration_ : concentration_.expand(shape),
                              std::move(generator));
}

torch::Tensor Dirichlet::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  return at::xlogy(concentration_ - 1, value)
      .sum(-1)
      .add_(concentration_.sum(-1).lgamma().sub_(concentration_.lgamma().sum(-1)));
}

torch::Tensor Dirichlet::mean() const {
  return concentration_ / concentration_.sum(-1, true);
}

torch::Tensor Dirichlet::variance() const {
  const auto total = concentration_.sum(-1, true);
  return concentration_ * (total - concentration_) / (total.square() * (total + 1));
}

torch::Tensor Dirichlet::entropy() const {
  const double k = static_cast<double>(concentration_.size(-1));
  const auto total = concentration_.sum(-1);
  return concentration_.lgamma().sum(-1) - total.lgamma() - (k - total) * total.digamma() -
         ((concentration_ - 1) * concentration_.digamma()).sum(-1);
}

}  // namespace ppl::dist
