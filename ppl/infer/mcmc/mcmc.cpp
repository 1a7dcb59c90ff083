#include "ppl/infer/mcmc/mcmc.h"

#include "ppl/core/generator.h"
#include "ppl/handlers/trace.h"
#include "ppl/infer/diagnostics.h"
#include "ppl/infer/mcmc/hmc.h"
#include "ppl/infer/mcmc/nuts.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace ppl::infer {
namespace {

using Clock = std::chrono::steady_clock;

/// The progress line on stderr: iterations of the slowest chain, iterations per second over all
/// chains, and the latest step size, divergences and tree depth.
class ProgressLine {
 public:
  ProgressLine(bool enabled, int64_t num_chains, int64_t warmup_steps, int64_t total)
      : enabled_(enabled), iterations_(num_chains, 0), warmup_steps_(warmup_steps), total_(total) {}

  void update(int64_t chain, const Chain& state) {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    iterations_[chain] = state.iteration();
    ++done_;
    const TransitionStats& last = state.stats().back();
    if (last.divergent && state.iteration() > warmup_steps_) ++divergences_;
    const auto now = Clock::now();
    if (now - last_print_ < std::chrono::milliseconds(250) && done_ < total_ * num_chains()) return;
    last_print_ = now;
    const int64_t slowest = *std::min_element(iterations_.begin(), iterations_.end());
    const double seconds = std::chrono::duration<double>(now - start_).count();
    std::cerr << fmt::format(
        "\r{} {}/{} | {:.0f} it/s | step size {:.2e} | divergences {} | "
        "depth {}   ",
        slowest < warmup_steps_ ? "warmup" : "sample", slowest, total_,
        static_cast<double>(done_) / seconds, state.step_size(), divergences_, last.tree_depth);
    if (done_ == total_ * num_chains()) std::cerr << "\n";
  }

 private:
  int64_t num_chains() const { return static_cast<int64_t>(iterations_.size()); }

  bool enabled_;
  std::vector<int64_t> iterations_;
  int64_t warmup_steps_, total_, done_ = 0, divergences_ = 0;
  std::mutex mutex_;
  Clock::time_point start_ = Clock::now(), last_print_;
};

/// Runs `chains` to their end, evaluating the potential once per step for all of them.
int64_t run_batch(const PotentialEnergy& potential, const std::vector<Chain*>& chains,
                  int64_t first_chain, ProgressLine& progress) {
  const int64_t rows = static_cast<int64_t>(chains.size());
  const int64_t dim = potential.dim();
  torch::Tensor positions = torch::empty({rows, dim}, torch::kDouble);
  double* position = positions.data_ptr<double>();
  std::vector<bool> finite(rows);
  int64_t evaluations = 0;
  while (true) {
    bool active = false;
    for (int64_t c = 0; c < rows; ++c) {
      if (chains[c]->finished()) continue;
      active = true;
      const Vector& q = chains[c]->pending_position();
      finite[c] = std::all_of(q.begin(), q.end(), [](double x) { return std::isfinite(x); });
      // A position that left the reals is not evaluated: its energy is infinite.
      if (finite[c]) std::copy(q.begin(), q.end(), position + c * dim);
    }
    if (!active) break;
    const auto [energy, gradient] = potential(positions);
    ++evaluations;
    const double* energies = energy.data_ptr<double>();
    const double* gradients = gradient.data_ptr<double>();
    for (int64_t c = 0; c < rows; ++c) {
      Chain& chain = *chains[c];
      if (chain.finished()) continue;
      const int64_t iteration = chain.iteration();
      chain.advance(finite[c] ? energies[c] : std::numeric_limits<double>::infinity(),
                    gradients + c * dim);
      if (chain.iteration() != iteration) progress.update(first_chain + c, chain);
    }
  }
  return evaluations;
}

Trace init_trace(const Program& model, const InitFn& init_strategy, at::Generator& generator) {
  GeneratorScope scope(generator);
  torch::NoGradGuard no_grad;
  handlers::TraceMessenger tracer;
  InitMessenger init(init_strategy);
  model();
  return std::move(tracer.trace());
}

/// A start for one chain: the init strategy's values (drawn with the chain's generator; the
/// first try may be given) that have a finite potential and gradient, in at most 100 tries
/// (Pyro's initialize_model).
PhasePoint initial_point(const Program& model, const InitFn& init_strategy,
                         const PotentialEnergy& potential, at::Generator& generator, int64_t chain,
                         Trace first_try) {
  constexpr int kTries = 100;
  const ModelLayout& layout = potential.layout();
  for (int attempt = 0; attempt < kTries; ++attempt) {
    const Trace trace = attempt == 0 && !first_try.empty()
                            ? std::move(first_try)
                            : init_trace(model, init_strategy, generator);
    const torch::Tensor z = layout.flatten(trace).unsqueeze(0);
    const auto [energy, gradient] = potential(z);
    if (!std::isfinite(energy.item<double>()) || !torch::isfinite(gradient).all().item<bool>())
      continue;
    PhasePoint point;
    point.q.assign(z.data_ptr<double>(), z.data_ptr<double>() + layout.dim);
    point.grad.assign(gradient.data_ptr<double>(), gradient.data_ptr<double>() + layout.dim);
    point.potential = energy.item<double>();
    return point;
  }
  std::string names;
  for (const FlatSite& site : layout.sites)
    names += (names.empty() ? "'" : ", '") + site.name + "'";
  throw std::runtime_error(fmt::format(
      "MCMC: chain {}: no initial point with a finite potential energy and gradient in {} "
      "tries of the init strategy (latent sites {}): check the model's supports and data",
      chain, kTries, names));
}

void check_options(const MCMCOptions& options) {
  if (options.num_samples() < 1)
    throw std::invalid_argument(
        fmt::format("MCMC: num_samples must be >= 1, got {}", options.num_samples()));
  if (options.warmup_steps() && *options.warmup_steps() < 0)
    throw std::invalid_argument(
        fmt::format("MCMC: warmup_steps must be >= 0, got {}", *options.warmup_steps()));
  if (options.num_chains() < 1)
    throw std::invalid_argument(
        fmt::format("MCMC: num_chains must be >= 1, got {}", options.num_chains()));
}

/// The settings that HMC and NUTS share.
template <class Options>
ChainSettings adaptation_settings(const Options& options) {
  ChainSettings settings;
  settings.step_size = options.step_size();
  settings.adapt_step_size = options.adapt_step_size();
  settings.adapt_mass_matrix = options.adapt_mass_matrix();
  settings.full_mass = options.full_mass();
  settings.target_accept_prob = options.target_accept_prob();
  return settings;
}

}  // namespace

ChainSettings chain_settings(const NUTSOptions& options) {
  ChainSettings settings = adaptation_settings(options);
  NutsTrajectory check(options.max_tree_depth());  // bad settings fail here, not in a chain
  settings.make_trajectory = [depth = options.max_tree_depth()] {
    return std::make_unique<NutsTrajectory>(depth);
  };
  return settings;
}

ChainSettings chain_settings(const HMCOptions& options) {
  ChainSettings settings = adaptation_settings(options);
  HmcTrajectory check(options.trajectory_length(), options.num_steps());
  settings.make_trajectory = [length = options.trajectory_length(), steps = options.num_steps()] {
    return std::make_unique<HmcTrajectory>(length, steps);
  };
  return settings;
}

MCMCResults run_mcmc(const Program& model, const ChainSettings& kernel, const InitFn& init_strategy,
                     int64_t max_plate_nesting, const MCMCOptions& options) {
  check_options(options);
  const int64_t num_chains = options.num_chains();
  const int64_t num_samples = options.num_samples();
  const int64_t warmup_steps = options.warmup_steps().value_or(num_samples);

  std::vector<at::Generator> generators;
  for (int64_t c = 0; c < num_chains; ++c)
    generators.push_back(at::make_generator<at::CPUGeneratorImpl>(options.seed() + c));
  Trace first = init_trace(model, init_strategy, generators[0]);
  MCMCResults results;
  results.layout_ = ModelLayout::of(first, max_plate_nesting);
  results.warmup_steps_ = warmup_steps;
  const ModelLayout& layout = results.layout_;
  const PotentialEnergy one_at_a_time(model, layout);

  std::vector<Chain> chains;
  chains.reserve(num_chains);
  for (int64_t c = 0; c < num_chains; ++c) {
    PhasePoint start = initial_point(model, init_strategy, one_at_a_time, generators[c], c,
                                     c == 0 ? std::move(first) : Trace());
    chains.emplace_back(std::move(start), kernel, warmup_steps, num_samples, generators[c]);
  }

  ProgressLine progress(options.progress_bar(), num_chains, warmup_steps,
                        warmup_steps + num_samples);
  const auto start = Clock::now();
  switch (options.chain_method()) {
    case ChainMethod::sequential:
      for (int64_t c = 0; c < num_chains; ++c) {
        GeneratorScope scope(generators[c]);
        results.potential_evaluations_ += run_batch(one_at_a_time, {&chains[c]}, c, progress);
      }
      break;
    case ChainMethod::parallel: {
      std::vector<std::thread> threads;
      std::vector<std::exception_ptr> errors(num_chains);
      std::vector<int64_t> evaluations(num_chains, 0);
      for (int64_t c = 0; c < num_chains; ++c) {
        threads.emplace_back([&, c] {
          try {
            GeneratorScope scope(generators[c]);
            evaluations[c] = run_batch(one_at_a_time, {&chains[c]}, c, progress);
          } catch (...) {
            errors[c] = std::current_exception();
          }
        });
      }
      for (std::thread& thread : threads) thread.join();
      for (const std::exception_ptr& error : errors)
        if (error) std::rethrow_exception(error);
      for (int64_t count : evaluations) results.potential_evaluations_ += count;
      break;
    }
    case ChainMethod::vectorized: {
      const PotentialEnergy batched(model, layout, num_chains);
      std::vector<Chain*> all;
      for (Chain& chain : chains) all.push_back(&chain);
      GeneratorScope scope(generators[0]);
      results.potential_evaluations_ = run_batch(batched, all, 0, progress);
      break;
    }
  }
  results.seconds_ = std::chrono::duration<double>(Clock::now() - start).count();

  results.draws_ = torch::empty({num_chains, num_samples, layout.dim}, torch::kDouble);
  for (int64_t c = 0; c < num_chains; ++c) {
    const Chain& chain = chains[c];
    std::copy(chain.draws().begin(), chain.draws().end(), results.draws_[c].data_ptr<double>());
    results.stats_.push_back(chain.stats());
    ChainDiagnostics diagnostics;
    double accept = 0, depth = 0;
    for (int64_t i = 0; i < num_samples; ++i) {
      const TransitionStats& stats = chain.stats()[warmup_steps + i];
      accept += stats.accept_stat;
      depth += static_cast<double>(stats.tree_depth);
      if (stats.divergent) diagnostics.divergent_draws.push_back(i);
    }
    diagnostics.divergences = static_cast<int64_t>(diagnostics.divergent_draws.size());
    diagnostics.acceptance_rate = accept / static_cast<double>(num_samples);
    diagnostics.mean_tree_depth = depth / static_cast<double>(num_samples);
    diagnostics.step_size = chain.step_size();
    diagnostics.gradient_evaluations = chain.gradient_evaluations();
    diagnostics.inverse_mass_matrix = chain.metric().inverse_mass();
    results.chains_.push_back(std::move(diagnostics));
  }
  return results;
}

void MCMCResults::check_ran() const {
  if (!draws_.defined())
    throw std::logic_error("MCMC: no draws yet: call run(...) before asking for the results");
}

SampleDict MCMCResults::get_samples(bool group_by_chain) const {
  check_ran();
  const int64_t chains = draws_.size(0), samples = draws_.size(1);
  SampleDict values = layout_.constrain(draws_.reshape({chains * samples, layout_.dim}));
  if (!group_by_chain) return values;
  for (auto& [name, value] : values) {
    std::vector<int64_t> shape{chains, samples};
    shape.insert(shape.end(), value.sizes().begin() + 1, value.sizes().end());
    value = value.reshape(shape);
  }
  return values;
}

std::string MCMCResults::summary(double prob) const {
  check_ran();
  int64_t divergences = 0;
  for (const ChainDiagnostics& chain : chains_) divergences += chain.divergences;
  return format_summary(summarize(get_samples(/*group_by_chain=*/true), prob), prob) +
         fmt::format("\nNumber of divergences: {}\n", divergences);
}

MCMCDiagnostics MCMCResults::diagnostics() const {
  check_ran();
  MCMCDiagnostics diagnostics;
  for (const auto& [name, value] : get_samples(/*group_by_chain=*/true)) {
    diagnostics.n_eff[name] = effective_sample_size(value);
    diagnostics.r_hat[name] = split_gelman_rubin(value);
  }
  diagnostics.chains = chains_;
  diagnostics.seconds = seconds_;
  diagnostics.potential_evaluations = potential_evaluations_;
  return diagnostics;
}

}  // namespace ppl::infer
