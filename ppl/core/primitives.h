#pragma once
// The primitives a model or guide calls: sample, param, module, deterministic, factor.
// Plates live in plate.h.

#include "ppl/core/message.h"

#include <torch/nn/module.h>

#include <functional>
#include <optional>
#include <string>

namespace ppl {

/// A sample site's observed value, or none: a tensor (undefined means none), an
/// `std::optional<torch::Tensor>` or `std::nullopt`, as Pyro's `obs=None`, or a number
/// (`sample("x", d, 3.0)`, `sample("k", Poisson(2.0), 3)`, Pyro's `obs=3.0`), which the site
/// observes as a 0-dim tensor of the dtype and device of the distribution's draws. The
/// constructors are implicit so that `sample("x", d, x)` and `sample("x", d, std::nullopt)` both
/// read naturally.
class Observation {
 public:
  Observation() = default;
  Observation(torch::Tensor value) : value_(std::move(value)) {}
  Observation(std::nullopt_t) {}
  Observation(const std::optional<torch::Tensor>& value)
      : value_(value.value_or(torch::Tensor())) {}
  Observation(double number) : number_(number) {}
  Observation(int number) : number_(number) {}
  Observation(int64_t number) : number_(static_cast<double>(number)) {}

  /// The observed tensor for a site of `fn` (undefined when there is none).
  torch::Tensor value(const dist::Distribution& fn) const;

 private:
  torch::Tensor value_;
  std::optional<double> number_;
};

/// Draws a value for site `name` from `fn`, or observes `obs` when there is one. What happens
/// is up to the installed handlers; with none, returns `obs` or a draw (rsample if available).
torch::Tensor sample(const std::string& name, const dist::Distribution& fn,
                     const Observation& obs = {}, InferDict infer = {});
torch::Tensor sample(const std::string& name, dist::DistributionPtr fn, const Observation& obs = {},
                     InferDict infer = {});

/// The constrained value of parameter `name`, created from `init` (a constrained value) the
/// first time the active param store sees the name.
torch::Tensor param(const std::string& name, const torch::Tensor& init,
                    const constraints::ConstraintPtr& constraint = constraints::real);
/// As above from a number (Pyro's `param("s", torch.tensor(1.0))`): a 0-dim tensor of the
/// default dtype; an integer becomes a floating value too, so that the parameter can be fitted.
torch::Tensor param(const std::string& name, double init,
                    const constraints::ConstraintPtr& constraint = constraints::real);
/// As above with a lazy initializer, called only when the parameter does not exist yet.
torch::Tensor param(const std::string& name, std::function<torch::Tensor()> init,
                    const constraints::ConstraintPtr& constraint = constraints::real);
/// An existing parameter; std::out_of_range if the store has no such name.
torch::Tensor param(const std::string& name);

/// Registers every parameter of `module` as the param site "name$$$path.to.weight", sharing
/// storage with the module so optimizer steps update it in place. A value already in the store
/// under that name (say, loaded from a file) is copied into the module first.
void module(const std::string& name, torch::nn::Module& module);
template <class ModuleType>
void module(const std::string& name, torch::nn::ModuleHolder<ModuleType>& holder) {
  module(name, *holder);
}

/// Records `value` as a site of its own (a Delta observed at `value`) and returns it.
torch::Tensor deterministic(const std::string& name, const torch::Tensor& value,
                            int64_t event_dim = 0);

/// Adds `log_factor` to the model's log density (an auxiliary observed site).
void factor(const std::string& name, const torch::Tensor& log_factor);

/// Separator between a module name and its parameter paths in the param store.
inline constexpr const char* kModuleSeparator = "$$$";

}  // namespace ppl
