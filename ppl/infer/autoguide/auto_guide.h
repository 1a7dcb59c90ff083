#pragma once
// The base of every autoguide (Pyro's AutoGuide): a guide built from one run of the model.
//
// On its first call an autoguide runs the model once, hidden from every other handler, with the
// latent sites set by its initialization strategy (the "prototype"); it records each latent
// sample site's distribution, value and plates. Each later call samples those sites inside
// copies of the model's plates. Parameters live in the active param store under
// "<name>.<path>" (Pyro's names: "AutoNormal.locs.mu"), so checkpoints and `param` see them.
//
// The user-facing autoguides are copyable handles holding the model and a shared
// implementation (as LibTorch's `Linear` holds a `LinearImpl`): the copy handed to SVI and the
// one queried afterwards are the same guide.
//
//   AutoNormal guide(model);
//   SVI svi(model, guide, optim::Adam({0.01}), Trace_ELBO());
//   for (int i = 0; i < 1000; ++i) svi.step(x);
//   TensorDict medians = guide.median();

#include "ppl/core/plate.h"
#include "ppl/distributions/transforms/biject_to.h"
#include "ppl/infer/autoguide/initialization.h"
#include "ppl/infer/elbo.h"

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace ppl::infer {

/// A latent sample site of the model as the prototype run saw it.
struct LatentSite {
  std::string name;
  dist::DistributionPtr fn;            ///< broadcast to the site's plates
  torch::Tensor value;                 ///< the initial (constrained) value, detached
  std::vector<PlateFrame> plates;      ///< outermost first
  transforms::TransformPtr transform;  ///< biject_to(fn->support()): reals onto the support
  torch::Tensor unconstrained;         ///< transform's preimage of `value`
  /// The event dims of the unconstrained value (a simplex's vector keeps 1, a Cholesky factor's
  /// matrix becomes a vector: 1).
  int64_t unconstrained_event_dim = 0;
  /// Whether `transform` is the identity (a real support): the unconstrained value is the value.
  bool is_real = false;
  int64_t event_dim() const { return fn->event_dim(); }
  /// The constrained value of `unconstrained` (any leading batch dims) and the log density that
  /// turns a density of `unconstrained` into one of the value: -log|det J|, summed over the
  /// site's event dims.
  std::pair<torch::Tensor, torch::Tensor> constrain(const torch::Tensor& unconstrained) const;
};

class AutoGuideImpl {
 public:
  virtual ~AutoGuideImpl() = default;
  AutoGuideImpl(const AutoGuideImpl&) = delete;
  AutoGuideImpl& operator=(const AutoGuideImpl&) = delete;

  /// The guide: sets up from `model` (bound to the call's arguments) on the first call, then
  /// samples every latent site; returns their values by name.
  TensorDict run(const Program& model);
  /// Runs the prototype of `model` (once; later calls do nothing). std::invalid_argument naming
  /// the site for a discrete latent or one inside a sequential plate.
  void setup(const Program& model);
  bool is_set_up() const { return set_up_; }

  /// The prefix of this guide's parameter names ("AutoNormal"). Set it before the first call.
  const std::string& name() const { return name_; }
  void set_name(std::string name);
  /// The latent sites the guide samples, in the model's order; std::logic_error before setup.
  const std::vector<LatentSite>& latents() const;

  /// A point estimate per latent site: the posterior approximation's median, constrained.
  virtual TensorDict median() = 0;
  /// The approximation's marginal quantiles per latent site, each (quantiles.size(), ...site's
  /// shape), constrained (monotone transforms keep them quantiles).
  virtual TensorDict quantiles(const std::vector<double>& quantiles) = 0;

 protected:
  AutoGuideImpl(std::string name, InitFn init_loc_fn);

  /// Called once after the prototype: create what the guide needs (parameters, sizes).
  virtual void on_setup() {}
  /// The guide's body: samples the latent sites, inside `enter_plates`.
  virtual TensorDict sample_latents() = 0;

  /// "<name>.<path>".
  std::string param_name(const std::string& path) const { return name_ + "." + path; }
  /// The guide's copy of the plate called `frame_name` in this call.
  plate& guide_plate(const std::string& frame_name) const;
  /// `full` (a tensor over the whole of `site`'s plates, with `event_dim` event dims) restricted
  /// to this call's subsample of every subsampled plate.
  torch::Tensor subsample(const torch::Tensor& full, const LatentSite& site,
                          int64_t event_dim) const;

  /// Enters this call's copies of a site's plates, for the returned guards' lifetime.
  std::vector<Reentry> enter_plates(const LatentSite& site) const;

  /// A query needs the prototype: std::logic_error before the first call.
  void require_setup() const;
  /// Takes the latent sites of `other` (set up) instead of running a prototype.
  void set_up_like(const AutoGuideImpl& other);

 private:
  void finish_setup(std::vector<LatentSite> latents, std::vector<PlateFrame> frames);

  std::string name_;
  InitFn init_loc_fn_;
  bool set_up_ = false;
  std::vector<LatentSite> latents_;
  std::vector<PlateFrame> frames_;              // every plate the latents are in, once each
  std::vector<std::unique_ptr<plate>> plates_;  // this call's copies of frames_
};

/// Copies `tensor` along `dim` periodically until it has `size` entries there (Pyro's
/// periodic_repeat).
torch::Tensor periodic_repeat(const torch::Tensor& tensor, int64_t size, int64_t dim);

/// `value` (a site's value or its unconstrained image, with `event_dim` event dims) repeated
/// to the full size of every subsampled plate the site is in: how a prototype that saw a
/// subsample gives full-size parameters.
torch::Tensor over_full_plates(torch::Tensor value, const LatentSite& site, int64_t event_dim);

/// `init_scale`, or std::invalid_argument naming the autoguide `name` unless it is > 0.
double checked_init_scale(const std::string& name, double init_scale);

/// A user-facing autoguide: the model and a shared `Impl`. Copies share the guide.
template <class Model, class Impl>
class AutoGuideHolder {
 public:
  template <class... Options>
  explicit AutoGuideHolder(Model model, Options&&... options)
      : model_(std::move(model)),
        impl_(std::make_shared<Impl>(std::forward<Options>(options)...)) {}
  AutoGuideHolder(Model model, std::shared_ptr<Impl> impl)
      : model_(std::move(model)), impl_(std::move(impl)) {}

  /// The guide (what SVI, the ELBOs, Importance and Predictive call).
  template <class... Args>
  TensorDict operator()(const Args&... args) const {
    return impl_->run(bind_program(model_, args...));
  }
  /// Sets the guide up from the model without sampling (needed before a query when the guide
  /// was never called).
  template <class... Args>
  void setup(const Args&... args) const {
    impl_->setup(bind_program(model_, args...));
  }
  /// Pyro's `guide.median(*args)`: given the model's arguments, sets the guide up first when
  /// it never ran; without them (for a model that takes some) the guide must have run.
  template <class... Args>
  TensorDict median(const Args&... args) const {
    setup_if_callable(args...);
    return impl_->median();
  }
  template <class... Args>
  TensorDict quantiles(const std::vector<double>& quantiles, const Args&... args) const {
    setup_if_callable(args...);
    return impl_->quantiles(quantiles);
  }

  const Model& model() const { return model_; }
  Impl& operator*() const { return *impl_; }
  Impl* operator->() const { return impl_.get(); }
  const std::shared_ptr<Impl>& impl() const { return impl_; }

 private:
  template <class... Args>
  void setup_if_callable(const Args&... args) const {
    if constexpr (std::is_invocable_v<const Model&, const Args&...>) setup(args...);
  }

  Model model_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ppl::infer
