#pragma once
// Pyro's optimizer wrappers (`PyroOptim`): optimizer state kept per parameter, by param store
// name, and created lazily the first time SVI hands a parameter to `step`.
//
// Adding an optimizer takes an options struct with a `check()` and one class deriving from
// `OptimizerBase<Options>` that names its state tensors and implements `init` and `update`
// (see adam.h).

#include "ppl/io/tensor_archive.h"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ppl::optim {

/// One parameter's optimizer state: tensors shaped like the parameter (e.g. "exp_avg") and
/// scalars ("step": updates applied so far, "lr": the current learning rate).
struct ParamState {
  std::map<std::string, torch::Tensor> tensors;
  std::map<std::string, double> scalars;
};

/// Optimizer state by param store name.
using State = std::map<std::string, ParamState>;

/// (param store name, unconstrained leaf tensor) pairs, as SVI hands them to `Optimizer::step`.
using NamedParameters = std::vector<std::pair<std::string, torch::Tensor>>;

/// Pyro's split of a param store name into (module name, param name):
/// "encoder$$$fc1.weight" -> ("encoder", "fc1.weight"), "loc" -> ("", "loc").
std::pair<std::string, std::string> split_param_name(const std::string& name);

namespace detail {
/// Throws std::invalid_argument("<optimizer>: option '<option>' must be <requirement>, got
/// <value>") unless `ok`.
void check_option(bool ok, const char* optimizer, const char* option, const char* requirement,
                  double value);
}  // namespace detail

/// Base of all optimizers. Not thread-safe: one optimizer belongs to one training loop.
///
/// Optimizers are values: a copy has the same options and its own copy of the state (and of the
/// state set or loaded for parameters not yet seen). So one `Adam optim(0.01)` built once serves
/// many SVI objects, as Pyro's tutorials reuse one `pyro.optim.Adam`: each SVI copies it, and an
/// optimizer that has not stepped gives every run fresh state, as Pyro's gives the fresh
/// parameters after `clear_param_store()`. To continue one state across SVI objects, share a
/// `std::shared_ptr` instead.
///
/// Errors: std::invalid_argument for invalid options, std::out_of_range for a parameter the
/// optimizer has not seen, std::runtime_error for state that does not fit a parameter and for
/// unreadable files (the message names the file, the parameter and what mismatched).
class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(Optimizer&&) noexcept;
  Optimizer& operator=(Optimizer&&) noexcept;
  Optimizer(const Optimizer& other);
  Optimizer& operator=(const Optimizer& other);

  /// The optimizer's name as errors and files spell it ("Adam").
  virtual const char* type_name() const = 0;

  /// Updates each of `params` from its `.grad()` (parameters with an undefined gradient are
  /// skipped). A name seen for the first time gets fresh state (or the state that `set_state` or
  /// `load` stored for it). Parameters not passed are untouched; gradients are left as they are.
  /// If any parameter does not fit its state, nothing is updated.
  void step(const NamedParameters& params);

  /// Whether `name` has been passed to `step`.
  bool contains(const std::string& name) const { return slots_.count(name) > 0; }
  /// Names of the parameters passed to `step` so far, sorted.
  std::vector<std::string> names() const;
  /// The current learning rate of parameter `name` (for schedules and for checking).
  double lr(const std::string& name) const;
  /// Sets the learning rate of parameter `name`.
  void set_lr(const std::string& name, double lr);

  /// The state of every parameter seen (and of those set but not yet seen); tensors are
  /// detached copies on the parameter's device.
  State get_state() const;
  /// Merges `state` in: a parameter already seen takes its entry now (all are checked before any
  /// is changed); any other keeps it until first passed to `step`, where it is checked. As in
  /// Pyro, a state's "lr" replaces the learning rate from the options.
  void set_state(const State& state);

  /// Writes `get_state()` (on CPU) to `path` atomically.
  void save(const std::string& path) const;
  /// Reads a file written by `save` of the same optimizer type and merges it as `set_state` does.
  void load(const std::string& path);
  /// Adds the state to `archive` under `prefix` (for files that hold more than the optimizer).
  void save_to(TensorArchive& archive, const std::string& prefix = "") const;
  /// Reads what `save_to` wrote, as `load` does; errors name `source` (e.g. "checkpoint 'x'").
  void load_from(const TensorArchive& archive, const std::string& prefix,
                 const std::string& source);

 protected:
  /// One parameter's state. Concrete optimizers extend it with their options.
  struct Slot {
    virtual ~Slot() = default;
    /// A copy of the slot (its tensors still shared).
    virtual std::unique_ptr<Slot> clone() const = 0;
    /// Zeros shaped, typed and placed like the parameter.
    torch::Tensor zeros() const { return torch::zeros(shape, tensor_options); }

    std::vector<int64_t> shape;           ///< the parameter's shape
    torch::TensorOptions tensor_options;  ///< the parameter's dtype and device
    std::vector<torch::Tensor> tensors;   ///< by `tensor_names()`; undefined = not (yet) kept
    int64_t step = 0;                     ///< updates applied
    std::vector<bool> required;           ///< tensors that `init` created (set by Optimizer)
  };

  Optimizer() = default;

  /// Names of the tensors in `Slot::tensors`, in order.
  virtual const std::vector<std::string>& tensor_names() const = 0;
  /// A slot for parameter `name`, shaped like `param`, with its options resolved and its tensors
  /// initialised.
  virtual std::unique_ptr<Slot> make_slot(const std::string& name,
                                          const torch::Tensor& param) const = 0;
  /// One update of `param` from `grad`; runs under torch::NoGradGuard.
  virtual void update_slot(Slot& slot, const torch::Tensor& param,
                           const torch::Tensor& grad) const = 0;
  /// The learning rate kept in `slot`.
  virtual double& slot_lr(Slot& slot) const = 0;

  /// Rethrows the std::invalid_argument `error` from an options check with the param named.
  [[noreturn]] static void rethrow_for_param(const std::invalid_argument& error,
                                             const std::string& name);

 private:
  struct Pending {
    ParamState state;
    std::string source;  // for errors: "Adam state" or "optimizer state '<file>'"
  };
  struct Prepared;
  using Slots = std::unordered_map<std::string, std::unique_ptr<Slot>>;

  static Slots copy_slots(const Slots& slots);
  Slot& slot(const std::string& name) const;
  Slot& add_slot(const std::string& name, const torch::Tensor& param);
  Prepared prepare(const std::string& name, Slot& slot, const ParamState& state,
                   const std::string& source) const;
  void merge(const State& state, const std::string& source);
  ParamState state_of(Slot& slot, bool copy) const;
  State state(bool copy) const;

  Slots slots_;
  std::unordered_map<std::string, Pending> pending_;
  std::vector<Slot*> step_slots_;  // reused by `step`
};

/// Plumbing shared by optimizers whose per-parameter options are `Options` (which must have
/// `double& lr()`, `void check() const` throwing std::invalid_argument, and a `kName`). Options
/// are fixed or, as in Pyro, come from a callback `(module_name, param_name) -> Options` called
/// once per parameter when it is first seen. Concrete optimizers inherit these constructors.
template <typename Options>
class OptimizerBase : public Optimizer {
 public:
  /// Per-parameter options; see `split_param_name` for the arguments.
  using OptionsFn =
      std::function<Options(const std::string& module_name, const std::string& param_name)>;

  /// Default options but the learning rate, which must be positive here so that `X({})` is an
  /// error rather than a learning rate of 0: `Adam(0.01)` or `Adam({0.01})`.
  explicit OptimizerBase(double lr) : OptimizerBase(Options(lr)) {
    detail::check_option(lr > 0, Options::kName, "lr", "positive", lr);
  }
  /// The same options for every parameter.
  explicit OptimizerBase(Options options = {}) {
    options.check();
    options_fn_ = [options](const std::string&, const std::string&) { return options; };
  }
  /// Options per parameter from `options_fn(module_name, param_name)`.
  explicit OptimizerBase(OptionsFn options_fn) : options_fn_(std::move(options_fn)) {
    if (!options_fn_) throw std::invalid_argument("optimizer: the options callback is empty");
  }

  const char* type_name() const override { return Options::kName; }

 protected:
  /// A slot carrying the parameter's own options (its "param group").
  struct OptionsSlot : Slot {
    explicit OptionsSlot(Options options_) : options(std::move(options_)) {}
    std::unique_ptr<Slot> clone() const override { return std::make_unique<OptionsSlot>(*this); }
    Options options;
  };

  /// Creates the state tensors of a fresh `slot` (its shape, tensor_options and options are set).
  virtual void init(OptionsSlot& slot) const = 0;
  /// One update of `param` from `grad`, in place, under torch::NoGradGuard.
  virtual void update(OptionsSlot& slot, const torch::Tensor& param,
                      const torch::Tensor& grad) const = 0;

 private:
  std::unique_ptr<Slot> make_slot(const std::string& name, const torch::Tensor& param) const final {
    const auto [module_name, param_name] = split_param_name(name);
    auto slot = std::make_unique<OptionsSlot>(options_fn_(module_name, param_name));
    try {
      slot->options.check();
    } catch (const std::invalid_argument& error) {
      rethrow_for_param(error, name);
    }
    slot->shape = param.sizes().vec();
    slot->tensor_options = param.options();
    slot->tensors.resize(tensor_names().size());
    init(*slot);
    return slot;
  }
  void update_slot(Slot& slot, const torch::Tensor& param, const torch::Tensor& grad) const final {
    update(static_cast<OptionsSlot&>(slot), param, grad);
  }
  double& slot_lr(Slot& slot) const final { return static_cast<OptionsSlot&>(slot).options.lr(); }

  OptionsFn options_fn_;
};

}  // namespace ppl::optim
