#pragma once
// Predictive: draws from the model conditioned on a guide's draws or on given posterior samples
// (Pyro's pyro.infer.Predictive), one run per sample or all samples in one vectorized run.

#include "ppl/infer/elbo.h"

#include <torch/arg.h>

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace ppl::infer {

/// Site name -> a tensor whose leading dim indexes samples: (num_samples, ...site's shape).
using SampleDict = std::map<std::string, torch::Tensor>;

/// The name of the outer plate that vectorizes the samples in parallel mode (Pyro's).
inline constexpr const char* kPredictivePlate = "_num_predictive_samples";

struct PredictiveOptions {
  /// How many samples to draw. With posterior samples it may be left unset (their leading dim
  /// is used); when set it must equal that leading dim.
  TORCH_ARG(std::optional<int64_t>, num_samples);
  /// The sites to return. Empty: with a guide, every sample site of the model; without, every
  /// sample site of the model not in the posterior samples. Plate subsample sites and `factor`s
  /// are left out of the default, as are the guide's sites the model does not have.
  TORCH_ARG(std::vector<std::string>, return_sites);
  /// Pyro's `parallel=True`: one run of the guide and one of the model inside an outer plate
  /// kPredictivePlate of size num_samples at dim -(max_plate_nesting + 1), instead of one run
  /// per sample. Needs a model (and guide) whose tensors broadcast over dims left of their
  /// plates, as vectorized ELBO particles do.
  TORCH_ARG(bool, parallel) = false;
  /// The most plates a site is in (parallel mode only). Unlimited: guessed, as Pyro does, from
  /// one extra run of the model (and of the guide) as the leftmost vectorized plate dim.
  TORCH_ARG(int64_t, max_plate_nesting) = kUnlimitedPlateNesting;
};

/// Pyro's Predictive with a guide: draws the guide's sites (the guide runs unconditioned; an
/// empty Program: no guide, latents from the prior), then runs `model` conditioned on them
/// (`handlers::condition`), without gradients, and returns the return sites' values, each
/// (num_samples, ...site's shape). Sequential mode runs guide and model once per sample;
/// parallel mode once each, vectorized. Observed sites keep their observed value (expanded to
/// (num_samples, ...) when it does not vary); sites observed at an undefined tensor are drawn.
/// std::invalid_argument if num_samples is unset or < 1, or max_plate_nesting < 0;
/// std::out_of_range naming a return site the model does not sample; std::runtime_error naming
/// a site whose shape changes between runs, or whose vectorized value does not fit its shape.
SampleDict predictive(const Program& model, const Program& guide, const PredictiveOptions& options);

/// As above, conditioned on `posterior_samples` (name -> (num_samples, ...site's shape)) instead
/// of a guide (Pyro's `Predictive(model, posterior_samples=...)`). std::invalid_argument naming
/// a site whose leading dim differs from another site's or from a set num_samples.
SampleDict predictive(const Program& model, const SampleDict& posterior_samples,
                      const PredictiveOptions& options = {});

/// Marks a Predictive without a guide.
struct NoGuide {};

/// `predictive` with the model's (and guide's) arguments given at the call, as SVI's `step`:
///   Predictive(model, guide, 1000)(x);                       // posterior predictive
///   Predictive(model, 64, {"latent"})(x);                    // prior predictive of one site
///   Predictive(model, guide, PredictiveOptions().num_samples(1000).parallel(true))(x);
///   Predictive(model, SampleDict{{"w", w_draws}})(x);       // given posterior samples
template <class Model, class Guide = NoGuide>
class Predictive {
 public:
  Predictive(Model model, Guide guide, PredictiveOptions options)
      : model_(std::move(model)), guide_(std::move(guide)), options_(std::move(options)) {}
  Predictive(Model model, Guide guide, int64_t num_samples,
             std::vector<std::string> return_sites = {})
      : Predictive(
            std::move(model), std::move(guide),
            PredictiveOptions().num_samples(num_samples).return_sites(std::move(return_sites))) {}
  Predictive(Model model, PredictiveOptions options)
      : Predictive(std::move(model), NoGuide(), std::move(options)) {}
  Predictive(Model model, int64_t num_samples, std::vector<std::string> return_sites = {})
      : Predictive(std::move(model), NoGuide(), num_samples, std::move(return_sites)) {}
  Predictive(Model model, SampleDict posterior_samples, PredictiveOptions options = {})
      : Predictive(std::move(model), NoGuide(), std::move(options)) {
    posterior_samples_ = std::move(posterior_samples);
  }

  template <class... Args>
  SampleDict operator()(const Args&... args) {
    const Program model = bind_program(model_, args...);
    if constexpr (std::is_same_v<Guide, NoGuide>) {
      return predictive(model, posterior_samples_, options_);
    } else {
      return predictive(model, bind_program(guide_, args...), options_);
    }
  }

 private:
  Model model_;
  Guide guide_;
  PredictiveOptions options_;
  SampleDict posterior_samples_;
};

template <class Model>
Predictive(Model, SampleDict, PredictiveOptions) -> Predictive<Model>;
template <class Model>
Predictive(Model, SampleDict) -> Predictive<Model>;

}  // namespace ppl::infer
