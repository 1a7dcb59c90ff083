// NUTS on eight schools (non-centred) and on a Bayesian logistic regression (N = 500, D = 5):
// the cost of one potential-and-gradient evaluation against a hand-written LibTorch twin (one
// chain, and batches of chains), and whole runs per chain method with the effective samples
// per second of the slowest parameter. Prints one JSON object.
//
//   mcmc [--threads 1] [--warmup 1000] [--samples 1000] [--repeats 200]
#include "bench_util.h"
#include "models/eight_schools.h"

#include <ppl/ppl.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <iostream>

namespace {

using Clock = std::chrono::steady_clock;
using ppl::infer::ChainMethod;

/// The logistic regression's data, from a formula that the peers' scripts (bench/peers) share.
struct LogisticData {
  torch::Tensor x, y;
  LogisticData() {
    const int64_t n = 500, d = 5;
    const double beta[] = {1.5, -1.0, 0.5, 0.0, -0.5};
    const double alpha = 0.2;
    x = torch::empty({n, d}, torch::kDouble);
    y = torch::empty({n}, torch::kDouble);
    auto xa = x.accessor<double, 2>();
    auto ya = y.accessor<double, 1>();
    for (int64_t i = 0; i < n; ++i) {
      double eta = alpha;
      for (int64_t j = 0; j < d; ++j) {
        xa[i][j] = std::sin(0.37 * static_cast<double>(j + 1) * static_cast<double>(i) +
                            0.5 * static_cast<double>(j));
        eta += xa[i][j] * beta[j];
      }
      const double u = 0.5 + 0.5 * std::sin(1.3 * static_cast<double>(i) + 0.7);
      ya[i] = u < 1 / (1 + std::exp(-eta)) ? 1.0 : 0.0;
    }
  }
};

/// alpha ~ N(0, 1); beta ~ N(0, 1) (5, one event); y ~ Bernoulli(logits = alpha + x beta).
void logistic_regression(const torch::Tensor& x, const torch::Tensor& y) {
  const auto zero = torch::zeros({}, x.options());
  auto alpha = ppl::sample("alpha", ppl::dist::Normal(zero, 1.0));
  auto beta = ppl::sample(
      "beta", ppl::dist::Normal(torch::zeros({x.size(1)}, x.options()), 1.0).to_event(1));
  ppl::plate data("data", x.size(0));
  ppl::sample("y", ppl::dist::Bernoulli::from_logits(alpha + (x * beta).sum(-1)), y);
}

// The hand-written twins: the same log densities in eager LibTorch, z (chains, dim) in the
// layout's order (program order: mu, log tau, theta_tilde; alpha, beta), gradients by autograd.
const double kHalfLog2Pi = 0.5 * std::log(2 * M_PI);

torch::Tensor normal_log_prob(const torch::Tensor& x, const torch::Tensor& loc, double scale) {
  return -0.5 * ((x - loc) / scale).pow(2) - std::log(scale) - kHalfLog2Pi;
}

torch::Tensor eight_schools_twin(const torch::Tensor& z, const torch::Tensor& y,
                                 const torch::Tensor& sigma) {
  const auto mu = z.select(1, 0).unsqueeze(1);
  const auto log_tau = z.select(1, 1).unsqueeze(1);
  const auto theta_tilde = z.narrow(1, 2, 8);
  const auto tau = log_tau.exp();
  const auto theta = mu + tau * theta_tilde;
  auto log_p = normal_log_prob(mu, torch::zeros_like(mu), 5.0).sum(1) +
               (std::log(2.0 / (M_PI * 5.0)) - torch::log1p((tau / 5.0).pow(2)) + log_tau).sum(1) +
               normal_log_prob(theta_tilde, torch::zeros_like(theta_tilde), 1.0).sum(1) +
               (-0.5 * ((y - theta) / sigma).pow(2) - sigma.log() - kHalfLog2Pi).sum(1);
  return -log_p;
}

torch::Tensor logistic_twin(const torch::Tensor& z, const torch::Tensor& x,
                            const torch::Tensor& y) {
  const auto alpha = z.narrow(1, 0, 1);
  const auto beta = z.narrow(1, 1, x.size(1));
  // The model's own formula (a matmul is faster, but does not broadcast over a plate of chains).
  const auto logits = alpha + (x * beta.unsqueeze(1)).sum(-1);
  auto log_p = normal_log_prob(z, torch::zeros_like(z), 1.0).sum(1) -
               torch::binary_cross_entropy_with_logits(logits, y.expand_as(logits), {}, {},
                                                       at::Reduction::None)
                   .sum(1);
  return -log_p;
}

/// Median µs of `evaluate`, over `repeats` calls after a warm-up.
template <class Fn>
double median_us(int repeats, Fn evaluate) {
  for (int i = 0; i < 10; ++i) evaluate();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = Clock::now();
    evaluate();
    times.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  return ppl::bench::median(times);
}

/// µs per potential-and-gradient evaluation, ppl's against the twin's, for one chain (the model
/// as written) and for batches of chains (the model in a plate of chains).
template <class Model, class Twin>
nlohmann::json evaluation_costs(Model model, Twin twin, int repeats) {
  ppl::infer::Program program = model;
  ppl::Trace trace;
  {
    ppl::handlers::TraceMessenger tracer;
    program();
    trace = tracer.trace();
  }
  const auto layout = ppl::infer::ModelLayout::of(trace);
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t chains : {0, 16, 128, 1024}) {
    const int64_t rows_count = std::max<int64_t>(chains, 1);
    const ppl::infer::PotentialEnergy potential(program, layout, chains);
    const torch::Tensor z = torch::randn({rows_count, layout.dim}, torch::kDouble) * 0.5;
    auto twin_evaluate = [&] {
      const auto leaf = z.detach().requires_grad_(true);
      const auto energy = twin(leaf);
      const auto gradient = torch::autograd::grad({energy.sum()}, {leaf})[0];
      return std::pair{energy.detach(), gradient};
    };
    // Both compute the same numbers.
    const auto [u_ppl, g_ppl] = potential(z);
    const auto [u_twin, g_twin] = twin_evaluate();
    if (!torch::allclose(u_ppl, u_twin, 1e-9, 1e-9) || !torch::allclose(g_ppl, g_twin, 1e-9, 1e-9))
      throw std::runtime_error("bench/mcmc: ppl's potential differs from the twin's");
    double ppl_us = 0, twin_us = 0;
    for (int block = 0; block < 4; ++block) {  // interleaved blocks
      ppl_us += median_us(repeats / 4, [&] { potential(z); }) / 4;
      twin_us += median_us(repeats / 4, twin_evaluate) / 4;
    }
    rows.push_back({{"chains", chains == 0 ? 1 : chains},
                    {"vectorized", chains > 0},
                    {"ppl_us", ppl_us},
                    {"twin_us", twin_us},
                    {"ratio", ppl_us / twin_us},
                    {"ppl_us_per_chain", ppl_us / static_cast<double>(rows_count)}});
    std::cerr << "  evaluation, " << rows_count << " chain(s): ppl " << ppl_us << " µs, twin "
              << twin_us << " µs\n";
  }
  return rows;
}

std::string method_name(ChainMethod method) {
  switch (method) {
    case ChainMethod::sequential:
      return "sequential";
    case ChainMethod::parallel:
      return "parallel";
    case ChainMethod::vectorized:
      return "vectorized";
  }
  return "";
}

/// One NUTS run: wall time, gradient evaluations, the ESS of every latent element and the slowest.
template <class Model, class... Args>
nlohmann::json nuts_run(Model model, ChainMethod method, int64_t chains, int64_t warmup,
                        int64_t samples, const Args&... args) {
  auto mcmc = ppl::infer::MCMC(ppl::infer::NUTS(model), ppl::infer::MCMCOptions()
                                                            .num_samples(samples)
                                                            .warmup_steps(warmup)
                                                            .num_chains(chains)
                                                            .chain_method(method)
                                                            .progress_bar(false));
  mcmc.run(args...);
  const auto diagnostics = mcmc.diagnostics();
  double ess_min = std::numeric_limits<double>::infinity();
  std::string slowest;
  nlohmann::json ess, means;
  const auto draws = mcmc.get_samples(true);
  for (const auto& [name, n_eff] : diagnostics.n_eff) {
    const auto flat = n_eff.reshape({-1});
    const auto mean = draws.at(name).reshape({chains * samples, -1}).mean(0);
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const std::string element = flat.numel() > 1 ? name + "[" + std::to_string(i) + "]" : name;
      const double value = flat[i].template item<double>();
      ess[element] = value;
      means[element] = mean[i].template item<double>();
      if (value < ess_min) {
        ess_min = value;
        slowest = element;
      }
    }
  }
  int64_t gradients = 0, divergences = 0;
  double step_size = 0, depth = 0;
  for (const auto& chain : diagnostics.chains) {
    gradients += chain.gradient_evaluations;
    divergences += chain.divergences;
    step_size += chain.step_size / static_cast<double>(chains);
    depth += chain.mean_tree_depth / static_cast<double>(chains);
  }
  std::cerr << "  " << method_name(method) << " x" << chains << ": " << diagnostics.seconds
            << " s, ESS min " << ess_min << " (" << slowest << "), "
            << ess_min / diagnostics.seconds << " ESS/s\n";
  return {{"chain_method", method_name(method)},
          {"chains", chains},
          {"warmup", warmup},
          {"samples", samples},
          {"wall_s", diagnostics.seconds},
          {"gradient_evaluations", gradients},
          {"potential_evaluations", diagnostics.potential_evaluations},
          {"us_per_potential_evaluation",
           diagnostics.seconds * 1e6 / static_cast<double>(diagnostics.potential_evaluations)},
          {"us_per_gradient", diagnostics.seconds * 1e6 / static_cast<double>(gradients)},
          {"ess", ess},
          {"means", means},
          {"slowest", slowest},
          {"ess_min", ess_min},
          {"ess_per_s", ess_min / diagnostics.seconds},
          {"divergences", divergences},
          {"mean_step_size", step_size},
          {"mean_tree_depth", depth}};
}

template <class Model, class... Args>
nlohmann::json runs(Model model, const std::vector<int64_t>& vectorized_chains, int64_t warmup,
                    int64_t samples, const Args&... args) {
  nlohmann::json rows = nlohmann::json::array();
  rows.push_back(nuts_run(model, ChainMethod::sequential, 1, warmup, samples, args...));
  rows.push_back(nuts_run(model, ChainMethod::sequential, 4, warmup, samples, args...));
  rows.push_back(nuts_run(model, ChainMethod::parallel, 4, warmup, samples, args...));
  for (int64_t chains : vectorized_chains)
    rows.push_back(nuts_run(model, ChainMethod::vectorized, chains, warmup, samples, args...));
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, warmup = 1000, samples = 1000, repeats = 200;
  ppl::bench::parse_int_options(argc, argv,
                                {{"--threads", &threads},
                                 {"--warmup", &warmup},
                                 {"--samples", &samples},
                                 {"--repeats", &repeats}});
  ppl::bench::configure_run(threads);
  torch::manual_seed(0);

  const auto y = ppl::models::eight_schools_effects();
  const auto sigma = ppl::models::eight_schools_standard_errors();
  const LogisticData logistic;
  auto eight_schools = [&] { ppl::models::eight_schools(y, sigma); };
  auto regression = [&] { logistic_regression(logistic.x, logistic.y); };

  nlohmann::json out;
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  out["openblas_coretype"] = coretype ? nlohmann::json(coretype) : nlohmann::json(nullptr);
  out["threads"] = threads;
  std::cerr << "eight schools\n";
  out["eight_schools"]["evaluation"] = evaluation_costs(
      eight_schools, [&](const torch::Tensor& z) { return eight_schools_twin(z, y, sigma); },
      repeats);
  out["eight_schools"]["nuts"] =
      runs(ppl::models::eight_schools, {4, 16, 128, 1024}, warmup, samples, y, sigma);
  std::cerr << "logistic regression\n";
  out["logistic_regression"]["y_ones"] = logistic.y.sum().item<double>();
  out["logistic_regression"]["evaluation"] = evaluation_costs(
      regression, [&](const torch::Tensor& z) { return logistic_twin(z, logistic.x, logistic.y); },
      repeats);
  out["logistic_regression"]["nuts"] =
      runs(logistic_regression, {4, 16, 128}, warmup, samples, logistic.x, logistic.y);
  std::cout << out.dump(2) << std::endl;
}
