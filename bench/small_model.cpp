// A small model, where ppl's per-step overhead dominates: Bayesian regression with an
// interaction (5 latent sites, 170 observations), SVI + Trace_ELBO + Adam(0.05). Then the same
// model with K = 10 and 100 particles, drawn by the sequential loop and vectorized in one pass
// (ELBOOptions::vectorize_particles), in interleaved blocks.
//
// Prints one JSON object to stdout (median µs per step, fitted vs true coefficients, the
// particle timings); progress goes to stderr.
#include <models/bayesian_regression.h>
#include <ppl/ppl.h>

#include "bench/bench_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int threads = 1;
  int warmup = 500;
  int steps = 2000;
  int seed = 0;                     ///< of the synthetic data
  int particle_warmup = 20;         ///< untimed steps per particle count and mode
  int particle_blocks = 8;          ///< blocks per particle count and mode, interleaved
  int particle_block_steps = 2000;  ///< particles per block: steps = this / K
};

Options parse(int argc, char** argv) {
  Options o;
  ppl::bench::parse_int_options(argc, argv,
                                {{"--threads", &o.threads},
                                 {"--warmup", &o.warmup},
                                 {"--steps", &o.steps},
                                 {"--seed", &o.seed},
                                 {"--particle-warmup", &o.particle_warmup},
                                 {"--particle-blocks", &o.particle_blocks},
                                 {"--particle-block-steps", &o.particle_block_steps}});
  return o;
}

/// SVI steps with K particles, sequential and vectorized, each with its own param store.
struct ParticleCase : ppl::bench::TimedSteps {
  int64_t k;
  bool vectorize;
};

/// Median µs per step of the sequential loop and of the vectorized pass for K = 10 and 100, in
/// blocks interleaved across K and mode.
nlohmann::json particles_bench(const Options& o, const torch::Tensor& x1, const torch::Tensor& x2,
                               const torch::Tensor& y) {
  std::vector<std::unique_ptr<ParticleCase>> cases;
  for (int64_t k : {10, 100}) {
    for (bool vectorize : {false, true}) {
      auto c = std::make_unique<ParticleCase>();
      c->k = k;
      c->vectorize = vectorize;
      ppl::infer::SVI svi(
          ppl::models::bayesian_regression_model, ppl::models::bayesian_regression_guide,
          ppl::optim::Adam(0.05),
          ppl::infer::Trace_ELBO(
              ppl::infer::ELBOOptions().num_particles(k).max_plate_nesting(1).vectorize_particles(
                  vectorize)));
      c->step = [svi, &x1, &x2, &y]() mutable { return svi.step(x1, x2, y); };
      cases.push_back(std::move(c));
    }
  }
  for (auto& c : cases) c->run(o.particle_warmup, false);
  for (int block = 0; block < o.particle_blocks; ++block)
    for (auto& c : cases)
      c->run(std::max<int>(1, o.particle_block_steps / static_cast<int>(c->k)), true);

  nlohmann::json by_k = nlohmann::json::array();
  for (size_t i = 0; i + 1 < cases.size(); i += 2) {
    const ParticleCase &sequential = *cases[i], &vectorized = *cases[i + 1];
    const double sequential_us = ppl::bench::median(sequential.times_us);
    const double vectorized_us = ppl::bench::median(vectorized.times_us);
    std::cerr << "small_model particles K=" << sequential.k << ": sequential " << sequential_us
              << " us/step, vectorized " << vectorized_us << " us/step, ratio "
              << vectorized_us / sequential_us << "\n";
    by_k.push_back({{"k", sequential.k},
                    {"sequential_median_us_per_step", sequential_us},
                    {"vectorized_median_us_per_step", vectorized_us},
                    {"ratio_vectorized_to_sequential", vectorized_us / sequential_us},
                    {"timed_steps_per_mode", sequential.times_us.size()},
                    {"sequential_final_loss", sequential.loss},
                    {"vectorized_final_loss", vectorized.loss}});
  }
  return {{"model",
           "the Bayesian regression above, Trace_ELBO with num_particles K, "
           "max_plate_nesting 1, Adam lr 0.05"},
          {"warmup_steps", o.particle_warmup},
          {"blocks", o.particle_blocks},
          {"particles_per_block", o.particle_block_steps},
          {"by_k", by_k}};
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  ppl::bench::configure_run(o.threads);

  // Data from known coefficients.
  constexpr int64_t kN = 170;
  const std::map<std::string, double> truth = {
      {"a", 9.0}, {"b1", -2.0}, {"b2", -0.2}, {"b12", 0.3}, {"sigma", 1.0}};
  torch::manual_seed(o.seed);
  const auto x1 = torch::bernoulli(torch::full({kN}, 0.3));
  const auto x2 = 1.0 + torch::randn({kN});
  const auto y = truth.at("a") + truth.at("b1") * x1 + truth.at("b2") * x2 +
                 truth.at("b12") * x1 * x2 + truth.at("sigma") * torch::randn({kN});

  // Least squares: the posterior mean under flat priors, and its standard errors (the exact
  // marginal posterior sds given sigma, which a mean-field guide underestimates).
  const auto design = torch::stack({torch::ones({kN}), x1, x2, x1 * x2}, 1);
  const auto least_squares = std::get<0>(torch::linalg_lstsq(design, y.unsqueeze(1))).squeeze(1);
  const auto residual_sd =
      (y - design.matmul(least_squares)).square().sum().div(kN - 4).sqrt().item<double>();
  const auto standard_errors =
      residual_sd * torch::linalg_inv(design.t().matmul(design)).diagonal().sqrt();

  ppl::infer::SVI svi(ppl::models::bayesian_regression_model,
                      ppl::models::bayesian_regression_guide, ppl::optim::Adam(0.05),
                      ppl::infer::Trace_ELBO());
  double loss = 0;
  for (int step = 0; step < o.warmup; ++step) loss = svi.step(x1, x2, y);
  std::cerr << "small_model: warm-up done (" << o.warmup << " steps, loss " << loss << ")\n";

  std::vector<double> times;
  times.reserve(o.steps);
  const auto total_start = Clock::now();
  for (int step = 0; step < o.steps; ++step) {
    const auto start = Clock::now();
    loss = svi.step(x1, x2, y);
    const std::chrono::duration<double, std::micro> elapsed = Clock::now() - start;
    times.push_back(elapsed.count());
  }
  const std::chrono::duration<double, std::micro> total = Clock::now() - total_start;
  const double median_us = ppl::bench::median(times);
  std::cerr << "small_model: " << median_us << " us/step (median of " << o.steps << ")\n";

  // Fitted locs against the truth: |fit - true| < 4 * standard error + 0.05.
  constexpr double kErrors = 4.0, kSlack = 0.05;
  nlohmann::json coefficients = nlohmann::json::object();
  bool all_match = true;
  auto check = [&](const std::string& name, double fit, double fit_scale, double reference,
                   double standard_error) {
    const bool match = std::abs(fit - truth.at(name)) < kErrors * standard_error + kSlack;
    all_match = all_match && match;
    coefficients[name] = {{"true", truth.at(name)},           {"fit", fit},
                          {"fit_scale", fit_scale},           {"least_squares", reference},
                          {"standard_error", standard_error}, {"match", match}};
    std::cerr << "  " << name << ": fit " << fit << " (guide scale " << fit_scale
              << "), least squares " << reference << " +- " << standard_error << ", true "
              << truth.at(name) << (match ? "" : "  MISMATCH") << "\n";
  };
  for (size_t i = 0; i < ppl::models::kRegressionCoefficients.size(); ++i) {
    const std::string name = ppl::models::kRegressionCoefficients[i];
    check(name, ppl::param(name + "_loc").item<double>(),
          ppl::param(name + "_scale").item<double>(), least_squares[i].item<double>(),
          standard_errors[i].item<double>());
  }
  // sigma's guide scale is fixed at 0.05; the standard error of the residual sd.
  check("sigma", ppl::param("sigma_loc").item<double>(), 0.05, residual_sd,
        residual_sd / std::sqrt(2.0 * (kN - 4)));

  nlohmann::json out = {
      {"bench", "small_model"},
      {"model", "Bayesian regression with interaction, N=170, mean-field guide, Adam lr 0.05"},
      {"threads", o.threads},
      {"data_seed", o.seed},
      {"warmup_steps", o.warmup},
      {"timed_steps", o.steps},
      {"median_us_per_step", median_us},
      {"mean_us_per_step", total.count() / o.steps},
      {"final_loss", loss},
      {"coefficients", coefficients},
      {"tolerance", "|fit - true| < 4 * least-squares standard error + 0.05"},
      {"coefficients_match", all_match},
      {"particles", particles_bench(o, x1, x2, y)}};
  std::cout << out.dump(2) << std::endl;
  return 0;
}
