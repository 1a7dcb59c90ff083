#pragma once
// AutoLaplaceApproximation: the MAP estimate in unconstrained space, then a Gaussian around it
// with the inverse Hessian of the negative log joint as covariance (Pyro's
// AutoLaplaceApproximation).
//
// Fit it with SVI like AutoDelta ("AutoLaplaceApproximation.loc" is the packed unconstrained
// point; the Jacobians count, so the optimum is the MAP of the unconstrained density), then
//
//   AutoMultivariateNormal laplace = guide.laplace_approximation(x);
//
// gives the Gaussian guide, with fixed tensors, for sampling, Predictive or quantiles.

#include "ppl/distributions/delta.h"
#include "ppl/infer/autoguide/auto_multivariate_normal.h"

namespace ppl::infer {

struct AutoLaplaceApproximationOptions {
  TORCH_ARG(InitFn, init_loc_fn) = init_to_median();
  TORCH_ARG(std::string, name) = "AutoLaplaceApproximation";
};

class AutoLaplaceApproximationImpl : public AutoContinuousImpl {
 public:
  explicit AutoLaplaceApproximationImpl(AutoLaplaceApproximationOptions options = {});
  /// A point mass at loc.
  std::shared_ptr<const dist::Delta> get_posterior();
  dist::DistributionPtr posterior() override { return get_posterior(); }
  /// (loc, zeros).
  std::pair<torch::Tensor, torch::Tensor> loc_and_scale() override;

  /// The Gaussian guide at the current loc with covariance H^-1, H the Hessian at loc of the
  /// negative log joint of `model` (its arguments bound) in unconstrained space.
  /// std::runtime_error when H is not positive definite (loc is not a maximum).
  std::shared_ptr<AutoMultivariateNormalImpl> laplace_approximation(const Program& model);

 private:
  /// The packed unconstrained point (the parameter "<name>.loc").
  torch::Tensor loc() const;
};

/// `AutoLaplaceApproximation guide(model)`; after fitting, `guide.laplace_approximation(x)`.
template <class Model>
class AutoLaplaceApproximation : public AutoGuideHolder<Model, AutoLaplaceApproximationImpl> {
  using Holder = AutoGuideHolder<Model, AutoLaplaceApproximationImpl>;

 public:
  using Holder::Holder;
  template <class... Args>
  AutoMultivariateNormal<Model> laplace_approximation(const Args&... args) const {
    return AutoMultivariateNormal<Model>(
        this->model(), (*this)->laplace_approximation(bind_program(this->model(), args...)));
  }
};
template <class Model, class... Options>
AutoLaplaceApproximation(Model, Options...) -> AutoLaplaceApproximation<Model>;

/// The Hessian of the scalar `output` with respect to the vector `input` (one backward pass per
/// row, through a first gradient kept differentiable).
torch::Tensor hessian(const torch::Tensor& output, const torch::Tensor& input);

}  // namespace ppl::infer
