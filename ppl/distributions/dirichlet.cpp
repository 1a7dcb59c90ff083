#include "ppl/distributions/dirichlet.h"

#include <stdexcept>

namespace ppl::dist {

namespace {

/// A Dirichlet draw whose backward is the implicit reparameterization gradient.
struct DirichletDraw : torch::autograd::Function<DirichletDraw> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx,
                               const torch::Tensor& concentration,
                               c10::optional<at::Generator> generator) {
    auto x = at::_sample_dirichlet(concentration, std::move(generator));
    ctx->save_for_backward({x, concentration});
    return x;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& concentration = saved[1];
    const auto& grad = grad_outputs[0];
    const auto total = concentration.sum(-1, true).expand_as(concentration);
    const auto dx_dconcentration = at::_dirichlet_grad(x, concentration, total);
    return {dx_dconcentration * (grad - (grad * x).sum(-1, true)), torch::Tensor()};
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

namespace detail {

torch::Tensor dirichlet_rsample(const torch::Tensor& concentration,
                                c10::optional<at::Generator> generator) {
  return DirichletDraw::apply(concentration, std::move(generator));
}

}  // namespace detail

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
  return detail::dirichlet_rsample(same ? concentration_ : concentration_.expand(shape),
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
