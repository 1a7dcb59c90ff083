#pragma once
// Stochastic variational inference: fits a guide's parameters by stepping on -ELBO.

#include "ppl/handlers/trace.h"
#include "ppl/infer/elbo.h"
#include "ppl/infer/step_reducer.h"
#include "ppl/optim/optimizer.h"
#include "ppl/params/param_store.h"

#include <torch/nn/pimpl.h>

#include <memory>
#include <type_traits>

namespace ppl::infer {

namespace detail {

/// `object.*method` as a callable (`SVI svi(vae, &VAEImpl::model, &VAEImpl::guide, ...)`). A
/// LibTorch module holder (`VAE`) is kept by value (it shares its module); any other object by
/// reference, so it must outlive the callable.
template <class Object, class Method>
class BoundMethod {
 public:
  BoundMethod(Object& object, Method method) : object_(object), method_(method) {}
  template <class... Args>
  decltype(auto) operator()(Args&&... args) {
    return (target().*method_)(std::forward<Args>(args)...);
  }

 private:
  static constexpr bool kIsHolder = std::is_base_of_v<torch::detail::ModuleHolderIndicator, Object>;
  auto& target() {
    if constexpr (kIsHolder) {
      return *object_;
    } else {
      return object_.get();
    }
  }
  std::conditional_t<kIsHolder, Object, std::reference_wrapper<Object>> object_;
  Method method_;
};

/// `value` as a shared pointer to `Base`: itself when it already is one (chosen at run time),
/// else a shared copy.
template <class Base, class T>
std::shared_ptr<Base> share(T value) {
  if constexpr (std::is_convertible_v<T, std::shared_ptr<Base>>) {
    std::shared_ptr<Base> shared = std::move(value);
    if (!shared) throw std::invalid_argument("SVI: the optimizer or the loss is null");
    return shared;
  } else {
    return std::make_shared<T>(std::move(value));
  }
}

}  // namespace detail

/// (name, unconstrained tensor) of each param site of `trace` still in the active param store,
/// in program order: what an SVI step hands to the optimizer.
std::vector<std::pair<std::string, torch::Tensor>> params_of(const Trace& trace);

/// `SVI svi(model, guide, optim::Adam(...), Trace_ELBO());` then `svi.step(x)`. Model and guide
/// are any callables taking the same arguments, or member functions of one object
/// (`SVI svi(vae, &VAEImpl::model, &VAEImpl::guide, optim, elbo)`); `step` and `evaluate_loss`
/// pass their arguments on. The optimizer and the loss are taken by value or as shared pointers
/// (an ELBO chosen at run time: `std::shared_ptr<ELBO>`). An optimizer given by value is copied
/// with its state, so one `optim` serves an SVI per run, as in Pyro's tutorials:
///
///   optim::Adam optim(0.1);
///   for (int seed = 0; seed < 100; ++seed) {
///     param_store().clear();
///     SVI svi(model, guide, optim, elbo);  // fresh state: `optim` itself never steps
///     ...
///   }
///
/// A `std::shared_ptr` to an optimizer is shared instead (its state continues across SVI
/// objects). Parameters live in the param store active when `step` runs.
template <class Model, class Guide>
class SVI {
 public:
  template <class Optimizer, class Loss>
  SVI(Model model, Guide guide, Optimizer optimizer, Loss loss)
      : model_(std::move(model)),
        guide_(std::move(guide)),
        optimizer_(detail::share<optim::Optimizer>(std::move(optimizer))),
        loss_(detail::share<ELBO>(std::move(loss))) {}
  template <class Object, class ModelMethod, class GuideMethod, class Optimizer, class Loss>
  SVI(Object& object, ModelMethod model, GuideMethod guide, Optimizer optimizer, Loss loss)
      : SVI(Model(object, model), Guide(object, guide), std::move(optimizer), std::move(loss)) {}

  /// One gradient step on every parameter seen while computing the loss; returns the -ELBO
  /// estimate. Gradients of those parameters are zero afterwards, also when the loss or the
  /// optimizer throws: a failed step leaves no partial gradients behind.
  template <class... Args>
  double step(const Args&... args) {
    handlers::TraceMessenger seen(/*param_only=*/true);  // which parameters this step used
    try {
      double loss = 0;
      {
        const auto replicas = reducer_ ? reducer_->scope() : nullptr;
        loss = loss_->loss_and_grads(bind_program(model_, args...), bind_program(guide_, args...));
      }
      const auto params = params_of(seen.trace());
      if (reducer_) loss = reducer_->reduce_step(params, loss);
      optimizer_->step(params);
      zero_grads(params);
      return loss;
    } catch (...) {
      zero_grads(params_of(seen.trace()));
      throw;
    }
  }

  /// The -ELBO estimate without gradients; parameters and gradients are left unchanged.
  template <class... Args>
  double evaluate_loss(const Args&... args) {
    torch::NoGradGuard no_grad;
    double loss = 0;
    {
      const auto replicas = reducer_ ? reducer_->scope() : nullptr;
      loss = loss_->loss(bind_program(model_, args...), bind_program(guide_, args...));
    }
    return reducer_ ? reducer_->reduce_loss(loss) : loss;
  }

  /// Makes `step` and `evaluate_loss` go through `reducer` (null: back to one process).
  void set_reducer(std::shared_ptr<StepReducer> reducer) { reducer_ = std::move(reducer); }

  optim::Optimizer& optimizer() { return *optimizer_; }
  ELBO& loss() { return *loss_; }

 private:
  static void zero_grads(const std::vector<std::pair<std::string, torch::Tensor>>& params) {
    for (const auto& [name, tensor] : params)
      if (tensor.grad().defined()) tensor.mutable_grad().zero_();
  }

  Model model_;
  Guide guide_;
  std::shared_ptr<optim::Optimizer> optimizer_;
  std::shared_ptr<ELBO> loss_;
  std::shared_ptr<StepReducer> reducer_;
};

template <class Model, class Guide, class Optimizer, class Loss>
SVI(Model, Guide, Optimizer, Loss) -> SVI<Model, Guide>;
template <class Object, class ModelMethod, class GuideMethod, class Optimizer, class Loss,
          class = std::enable_if_t<std::is_member_function_pointer_v<ModelMethod>>>
SVI(Object&, ModelMethod, GuideMethod, Optimizer, Loss)
    -> SVI<detail::BoundMethod<Object, ModelMethod>, detail::BoundMethod<Object, GuideMethod>>;

}  // namespace ppl::infer
