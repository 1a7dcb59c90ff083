#pragma once
// Stochastic variational inference: fits a guide's parameters by stepping on -ELBO.

#include "ppl/core/messenger.h"
#include "ppl/infer/elbo.h"
#include "ppl/optim/optimizer.h"
#include "ppl/params/param_store.h"

#include <memory>
#include <unordered_set>

namespace ppl::infer {

/// Records the name of every param site that reaches it, once each, in program order.
class ParamCollector : public Messenger {
 public:
  ParamCollector() { enter(); }
  void postprocess_message(Message& msg) override {
    if (msg.type == MessageType::param && seen_.insert(msg.name).second) names_.push_back(msg.name);
  }
  const std::vector<std::string>& names() const { return names_; }
  /// (name, unconstrained tensor) of each recorded name still in the active param store.
  std::vector<std::pair<std::string, torch::Tensor>> params() const {
    std::vector<std::pair<std::string, torch::Tensor>> result;
    const ParamStore& store = param_store();
    for (const std::string& name : names_)
      if (store.contains(name)) result.emplace_back(name, store.unconstrained(name));
    return result;
  }

 private:
  std::unordered_set<std::string> seen_;
  std::vector<std::string> names_;
};

/// `SVI svi(model, guide, optim::Adam(...), Trace_ELBO());` then `svi.step(x)`. Model and guide
/// are any callables taking the same arguments; `step` and `evaluate_loss` pass theirs on.
/// Parameters live in the param store active when `step` runs.
template <class Model, class Guide>
class SVI {
 public:
  template <class Optimizer, class Loss>
  SVI(Model model, Guide guide, Optimizer optimizer, Loss loss)
      : model_(std::move(model)),
        guide_(std::move(guide)),
        optimizer_(std::make_shared<Optimizer>(std::move(optimizer))),
        loss_(std::make_shared<Loss>(std::move(loss))) {}

  /// One gradient step on every parameter seen while computing the loss; returns the -ELBO
  /// estimate. Gradients of those parameters are zero afterwards, also when the loss or the
  /// optimizer throws: a failed step leaves no partial gradients behind.
  template <class... Args>
  double step(const Args&... args) {
    ParamCollector seen;  // Pyro's param-only trace: which parameters this step used
    try {
      const double loss =
          loss_->loss_and_grads(bind_program(model_, args...), bind_program(guide_, args...));
      auto params = seen.params();
      optimizer_->step(params);
      zero_grads(params);
      return loss;
    } catch (...) {
      zero_grads(seen.params());
      throw;
    }
  }

  /// The -ELBO estimate without gradients; parameters and gradients are left unchanged.
  template <class... Args>
  double evaluate_loss(const Args&... args) {
    torch::NoGradGuard no_grad;
    return loss_->loss(bind_program(model_, args...), bind_program(guide_, args...));
  }

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
};

}  // namespace ppl::infer
