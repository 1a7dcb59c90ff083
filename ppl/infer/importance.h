#pragma once
// Importance sampling with a guide as proposal (Pyro's Importance) and the importance-weighted
// bound of amortized models (Burda et al., "Importance Weighted Autoencoders").

#include "ppl/infer/elbo.h"
#include "ppl/infer/predictive.h"

#include <string>
#include <type_traits>
#include <vector>

namespace ppl::infer {

/// The weighted samples of an importance sampler.
struct ImportanceResult {
  /// log p(x, z_i) - log q(z_i) per sample, (num_samples,): the model's and the guide's
  /// log-prob sums (scaled and masked, as in the ELBO).
  torch::Tensor log_weights;
  /// Each sample's model trace (the model replayed against the guide's draws).
  std::vector<Trace> traces;

  /// The estimate of log p(x): log (1/N) sum_i exp(log_weights[i]).
  double log_marginal() const;
  /// exp(log_weights) normalized to sum to 1, (num_samples,).
  torch::Tensor normalized_weights() const;
  /// (sum w)^2 / sum w^2: num_samples for equal weights, near 1 when one sample dominates.
  double effective_sample_size() const;
  /// The values of sample site `name` in every trace, stacked, (num_samples, ...site's shape).
  /// std::out_of_range if the model has no sample site of that name.
  torch::Tensor site_values(const std::string& name) const;
  /// The self-normalized estimate of E[site | x]: site values weighted by normalized_weights.
  torch::Tensor weighted_mean(const std::string& name) const;
};

/// Runs `guide` and `model` replayed against it `num_samples` times without gradients and
/// weighs each run by p(x, z) / q(z). An empty `guide` proposes from the prior: the model with
/// its observed sites hidden, so that each weight is the likelihood of the prior draw.
/// std::invalid_argument if num_samples < 1; model and guide are checked as for the ELBO.
ImportanceResult importance(const Program& model, const Program& guide, int64_t num_samples);

/// `Importance(model, guide, 1000).run(x)` or `Importance(model, 1000).run(x)` (prior as the
/// proposal): `importance` with the arguments given at the call, as Pyro's Importance.
template <class Model, class Guide = NoGuide>
class Importance {
 public:
  Importance(Model model, Guide guide, int64_t num_samples)
      : model_(std::move(model)), guide_(std::move(guide)), num_samples_(num_samples) {}
  Importance(Model model, int64_t num_samples)
      : Importance(std::move(model), NoGuide(), num_samples) {}

  template <class... Args>
  ImportanceResult run(const Args&... args) {
    Program guide;
    if constexpr (!std::is_same_v<Guide, NoGuide>) guide = bind_program(guide_, args...);
    return importance(bind_program(model_, args...), guide, num_samples_);
  }

 private:
  Model model_;
  Guide guide_;
  int64_t num_samples_;
};

struct IWAEOptions {
  /// K: importance samples per data point.
  TORCH_ARG(int64_t, num_samples) = 1;
  /// The plate dims model and guide use, as ELBOOptions' (the VAE's: 1). The K samples take the
  /// dim left of them. When unlimited, guessed from one trial run of guide and model.
  TORCH_ARG(int64_t, max_plate_nesting) = kUnlimitedPlateNesting;
  /// Samples per vectorized pass (0: all K at once); bounds the memory of large K.
  TORCH_ARG(int64_t, chunk_size) = 0;
};

/// The log weights log p(x, z_k) - log q(z_k | x) of K samples per data point, shaped
/// (K, ...plate dims): guide and model run (without gradients) inside an outer plate
/// "num_particles_vectorized" of size K at dim -(max_plate_nesting + 1), so one pass draws
/// all K samples (per chunk). Each site's log-prob is masked but not scaled: a data point in
/// a subsampled plate counts once, and a `scale` handler's factor is left out. A site outside
/// a plate (a global latent) adds its term to every data point along that plate's dim.
torch::Tensor iwae_log_weights(const Program& model, const Program& guide,
                               const IWAEOptions& options);

/// The importance-weighted bound per data point, log (1/K) sum_k exp(log weight k), shaped
/// like the plate dims (the VAE's: (batch,)). Its expectation is at most log p(x) and grows
/// with K towards it; for K = 1 it is the ELBO of each data point.
torch::Tensor iwae_bound(const Program& model, const Program& guide, const IWAEOptions& options);

/// `iwae_bound(model, guide, IWAEOptions().num_samples(100).max_plate_nesting(1), x)`.
template <class Model, class Guide, class... Args, class = IfNotPrograms<Model, Guide>>
torch::Tensor iwae_bound(Model&& model, Guide&& guide, const IWAEOptions& options,
                         const Args&... args) {
  return iwae_bound(bind_program(model, args...), bind_program(guide, args...), options);
}

}  // namespace ppl::infer
