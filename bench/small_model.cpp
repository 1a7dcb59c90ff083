// A small model, where ppl's per-step overhead dominates: Bayesian regression with an
// interaction (5 latent sites, 170 observations), SVI + Trace_ELBO + Adam(0.05).
//
// Prints one JSON object to stdout (median µs per step, fitted vs true coefficients); progress
// goes to stderr.
#include <models/bayesian_regression.h>
#include <ppl/ppl.h>

#include "bench/bench_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int threads = 1;
  int warmup = 500;
  int steps = 2000;
  int seed = 0;  ///< of the synthetic data
};

Options parse(int argc, char** argv) {
  Options o;
  ppl::bench::parse_int_options(argc, argv,
                                {{"--threads", &o.threads},
                                 {"--warmup", &o.warmup},
                                 {"--steps", &o.steps},
                                 {"--seed", &o.seed}});
  return o;
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
      {"coefficients_match", all_match}};
  std::cout << out.dump(2) << std::endl;
  return 0;
}
