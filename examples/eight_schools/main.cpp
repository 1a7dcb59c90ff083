// Eight schools, non-centred, fitted two ways: variational inference with an AutoNormal guide
// (SVI, Trace_ELBO), then NUTS; each prints Pyro's summary table of mu, tau and theta.
#include "models/eight_schools.h"

#include <fmt/format.h>
#include "examples/common/command_line.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <string>

int main(int argc, char** argv) {
  CLI::App app{"Eight schools by SVI (AutoNormal) and by NUTS"};
  int64_t steps = 3000, samples = 1000, warmup = 1000, chains = 4;
  uint64_t seed = 0;
  std::string method = "vectorized";
  bool progress = false;
  app.add_option("--steps", steps, "SVI steps")
      ->capture_default_str()
      ->check(ppl::examples::positive);
  app.add_option("--samples", samples, "NUTS draws kept per chain")
      ->capture_default_str()
      ->check(ppl::examples::positive);
  app.add_option("--warmup", warmup, "NUTS warm-up iterations per chain")
      ->capture_default_str()
      ->check(ppl::examples::non_negative);
  app.add_option("--chains", chains, "Chains")
      ->capture_default_str()
      ->check(ppl::examples::positive);
  app.add_option("--chain-method", method, "How the chains run")
      ->capture_default_str()
      ->check(CLI::IsMember({"sequential", "parallel", "vectorized"}));
  app.add_option("--seed", seed, "Seed of SVI and of the first chain")->capture_default_str();
  app.add_flag("--progress", progress, "Show NUTS's progress line");
  CLI11_PARSE(app, argc, argv);
  ppl::set_num_threads(1);

  const auto y = ppl::models::eight_schools_effects();
  const auto sigma = ppl::models::eight_schools_standard_errors();
  // Variational: a mean-field normal guide in unconstrained space.
  torch::manual_seed(seed);
  ppl::infer::AutoNormal guide(ppl::models::eight_schools);
  ppl::infer::SVI svi(ppl::models::eight_schools, guide, ppl::optim::Adam({0.01}),
                      ppl::infer::Trace_ELBO());
  double loss = 0;
  for (int64_t step = 0; step < steps; ++step) loss = svi.step(y, sigma);
  fmt::print("SVI (AutoNormal, {} steps, final loss {:.3f}), 4000 draws of the guide:\n", steps,
             loss);
  auto guide_draws = ppl::infer::Predictive(
      ppl::models::eight_schools, guide,
      ppl::infer::PredictiveOptions().num_samples(4000).return_sites({"mu", "tau", "theta"}))(
      y, sigma);
  std::map<std::string, torch::Tensor> by_chain;
  for (auto& [name, draws] : guide_draws) by_chain[name] = draws.unsqueeze(0);
  std::cout << ppl::infer::format_summary(ppl::infer::summarize(by_chain)) << "\n";

  // NUTS.
  const std::map<std::string, ppl::infer::ChainMethod> methods{
      {"sequential", ppl::infer::ChainMethod::sequential},
      {"parallel", ppl::infer::ChainMethod::parallel},
      {"vectorized", ppl::infer::ChainMethod::vectorized}};
  auto mcmc = ppl::infer::MCMC(ppl::infer::NUTS(ppl::models::eight_schools),
                               ppl::infer::MCMCOptions()
                                   .num_samples(samples)
                                   .warmup_steps(warmup)
                                   .num_chains(chains)
                                   .chain_method(methods.at(method))
                                   .seed(seed)
                                   .progress_bar(progress));
  mcmc.run(y, sigma);
  const auto diagnostics = mcmc.diagnostics();
  fmt::print("NUTS ({} chains, {}, {} warm-up + {} draws each, {:.2f} s):\n", chains, method,
             warmup, samples, diagnostics.seconds);
  std::cout << mcmc.summary();
  // theta, a deterministic site, from the posterior draws through Predictive.
  const auto theta =
      ppl::infer::Predictive(ppl::models::eight_schools, mcmc.get_samples(),
                             ppl::infer::PredictiveOptions().return_sites({"theta"}))(y, sigma)
          .at("theta");
  std::cout << ppl::infer::format_summary(
      ppl::infer::summarize({{"theta", theta.reshape({chains, samples, theta.size(-1)})}}));
  return 0;
}
