#pragma once
// MCMC with HMC or NUTS on any model (Pyro's pyro.infer.mcmc):
//
//   auto mcmc = ppl::infer::MCMC(ppl::infer::NUTS(model), ppl::infer::MCMCOptions()
//                             .num_samples(1000).warmup_steps(1000).num_chains(4));
//   mcmc.run(y, sigma);
//   std::cout << mcmc.summary();
//   auto posterior = mcmc.get_samples();   // site -> (4000, ...site's shape)
//
// Chains run one after another (sequential), one thread each (parallel), or all together as
// one batch through a model run in an outer plate of chains (vectorized: one potential and
// gradient evaluation per leapfrog step for every chain; each chain moves on to its next
// transition as soon as its trajectory ends).

#include "ppl/infer/autoguide/initialization.h"
#include "ppl/infer/mcmc/chain.h"
#include "ppl/infer/mcmc/potential_energy.h"

#include <torch/arg.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace ppl::infer {

/// Pyro's NUTS arguments.
struct NUTSOptions {
  /// The initial step size (searched from, then adapted, during warm-up).
  TORCH_ARG(double, step_size) = 1.0;
  TORCH_ARG(bool, adapt_step_size) = true;
  TORCH_ARG(bool, adapt_mass_matrix) = true;
  /// A dense mass matrix (else diagonal).
  TORCH_ARG(bool, full_mass) = false;
  /// The acceptance statistic that step-size adaptation aims at.
  TORCH_ARG(double, target_accept_prob) = 0.8;
  TORCH_ARG(int64_t, max_tree_depth) = 10;
  TORCH_ARG(InitFn, init_strategy) = init_to_uniform();
  /// The most plates a site is in; unset: guessed from one run of the model.
  TORCH_ARG(int64_t, max_plate_nesting) = kUnlimitedPlateNesting;
};

/// Pyro's HMC arguments.
struct HMCOptions {
  TORCH_ARG(double, step_size) = 1.0;
  /// The integration time of a trajectory: trajectory_length / step_size leapfrog steps.
  TORCH_ARG(double, trajectory_length) = 2 * M_PI;
  /// A fixed number of leapfrog steps instead of trajectory_length.
  TORCH_ARG(std::optional<int64_t>, num_steps);
  TORCH_ARG(bool, adapt_step_size) = true;
  TORCH_ARG(bool, adapt_mass_matrix) = true;
  TORCH_ARG(bool, full_mass) = false;
  TORCH_ARG(double, target_accept_prob) = 0.8;
  TORCH_ARG(InitFn, init_strategy) = init_to_uniform();
  TORCH_ARG(int64_t, max_plate_nesting) = kUnlimitedPlateNesting;
};

/// The No-U-Turn sampler on `model` (called with MCMC::run's arguments).
template <class Model>
struct NUTS {
  NUTS(Model model, NUTSOptions options = {})
      : model(std::move(model)), options(std::move(options)) {}
  Model model;
  NUTSOptions options;
};

/// Hamiltonian Monte Carlo on `model`.
template <class Model>
struct HMC {
  HMC(Model model, HMCOptions options = {})
      : model(std::move(model)), options(std::move(options)) {}
  Model model;
  HMCOptions options;
};

enum class ChainMethod { sequential, parallel, vectorized };

struct MCMCOptions {
  TORCH_ARG(int64_t, num_samples) = 1000;
  /// Adaptation iterations before the kept ones; unset: num_samples (Pyro's default).
  TORCH_ARG(std::optional<int64_t>, warmup_steps);
  TORCH_ARG(int64_t, num_chains) = 1;
  TORCH_ARG(ChainMethod, chain_method) = ChainMethod::sequential;
  /// Chain c draws from its own generator seeded with seed + c, whatever the chain method.
  TORCH_ARG(uint64_t, seed) = 0;
  /// A progress line on stderr (iterations/s, step size, divergences, tree depth).
  TORCH_ARG(bool, progress_bar) = true;
};

/// One chain's record.
struct ChainDiagnostics {
  int64_t divergences = 0;               ///< among the kept draws
  std::vector<int64_t> divergent_draws;  ///< their indices
  double acceptance_rate = 0;            ///< mean acceptance statistic of the kept draws
  double step_size = 0;                  ///< after warm-up
  double mean_tree_depth = 0;            ///< of the kept draws (NUTS)
  int64_t gradient_evaluations = 0;      ///< all iterations, step-size searches included
  Vector inverse_mass_matrix;            ///< after warm-up (diagonal, or dense row-major)
};

struct MCMCDiagnostics {
  SampleDict n_eff;  ///< effective sample size per site element
  SampleDict r_hat;  ///< split R-hat per site element
  std::vector<ChainDiagnostics> chains;
  double seconds = 0;  ///< wall time of warm-up and sampling
  int64_t potential_evaluations =
      0;  ///< batched evaluations (one per leapfrog step when vectorized)
};

/// The draws of an MCMC run and what can be said of them (std::logic_error before the run).
class MCMCResults {
 public:
  /// Each latent site's draws, constrained: (num_chains * num_samples, ...site's shape), or
  /// (num_chains, num_samples, ...site's shape) grouped by chain. Feeds Predictive directly.
  SampleDict get_samples(bool group_by_chain = false) const;
  /// Pyro's summary table (mean, std, median, the `prob` HPDI, n_eff, r_hat per element)
  /// followed by the number of divergences.
  std::string summary(double prob = 0.9) const;
  MCMCDiagnostics diagnostics() const;
  /// The unconstrained draws, (num_chains, num_samples, dim), and where each site lies in them.
  const torch::Tensor& unconstrained_draws() const { return draws_; }
  const ModelLayout& layout() const { return layout_; }
  /// Each chain's per-iteration statistics, warm-up first.
  const std::vector<std::vector<TransitionStats>>& transition_stats() const { return stats_; }

 protected:
  MCMCResults() = default;
  /// std::logic_error when run() has not been called.
  void check_ran() const;
  friend MCMCResults run_mcmc(const Program& model, const ChainSettings& kernel,
                              const InitFn& init_strategy, int64_t max_plate_nesting,
                              const MCMCOptions& options);

  ModelLayout layout_;
  torch::Tensor draws_;
  std::vector<std::vector<TransitionStats>> stats_;
  std::vector<ChainDiagnostics> chains_;
  double seconds_ = 0;
  int64_t potential_evaluations_ = 0;
  int64_t warmup_steps_ = 0;
};

/// Runs the chains of `kernel` on `model`. std::invalid_argument for bad options (naming
/// them), for a model without continuous latents or with a discrete latent not marked for
/// enumeration (naming the site); std::runtime_error when no initial point with a finite
/// potential and gradient is found in 100 tries (naming the sites).
MCMCResults run_mcmc(const Program& model, const ChainSettings& kernel, const InitFn& init_strategy,
                     int64_t max_plate_nesting, const MCMCOptions& options);

ChainSettings chain_settings(const NUTSOptions& options);
ChainSettings chain_settings(const HMCOptions& options);

/// Pyro's MCMC: `MCMC(NUTS(model), options).run(args...)`, then the results.
template <class Kernel>
class MCMC : public MCMCResults {
 public:
  MCMC(Kernel kernel, MCMCOptions options)
      : kernel_(std::move(kernel)), options_(std::move(options)) {}

  template <class... Args>
  void run(const Args&... args) {
    MCMCResults::operator=(
        run_mcmc(bind_program(kernel_.model, args...), chain_settings(kernel_.options),
                 kernel_.options.init_strategy(), kernel_.options.max_plate_nesting(), options_));
  }

 private:
  Kernel kernel_;
  MCMCOptions options_;
};

}  // namespace ppl::infer
