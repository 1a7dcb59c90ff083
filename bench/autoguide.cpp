// Autoguides against a hand-written guide: the Bayesian regression of small_model.cpp (5 latent
// sites, 170 observations), SVI + Trace_ELBO + Adam(0.05), with its hand-written mean-field
// guide, the same guide with sigma drawn from a TransformedDistribution, AutoNormal and
// AutoDiagonalNormal, each with its own param store, timed in interleaved blocks in one process.
// Prints one JSON object (median µs per step and the ratios to the hand-written guide and to
// AutoNormal); progress goes to stderr.
#include <models/bayesian_regression.h>
#include <ppl/ppl.h>

#include "bench/bench_util.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Options {
  int threads = 1;
  int warmup = 300;
  int blocks = 10;
  int block_steps = 300;
  int seed = 0;
};

/// One guide's SVI, its param store and its step times.
struct Case : ppl::bench::TimedSteps {
  std::string name;
};

template <class Guide>
std::unique_ptr<Case> make_case(std::string name, Guide guide, const torch::Tensor& x1,
                                const torch::Tensor& x2, const torch::Tensor& y) {
  auto c = std::make_unique<Case>();
  c->name = std::move(name);
  ppl::infer::SVI svi(ppl::models::bayesian_regression_model, std::move(guide),
                      ppl::optim::Adam(0.05), ppl::infer::Trace_ELBO());
  c->step = [svi, &x1, &x2, &y]() mutable { return svi.step(x1, x2, y); };
  return c;
}

/// The hand-written guide with sigma as a user following PyTorch writes it for its support
/// (0, 10): a Normal on the reals pushed onto the support by a TransformedDistribution through
/// biject_to, the distribution AutoNormal builds from an auxiliary site and a Delta.
void transformed_guide(const torch::Tensor& x1, const torch::Tensor& /*x2*/,
                       const torch::Tensor& /*y*/) {
  static const auto to_support = ppl::transforms::biject_to(ppl::constraints::interval(0.0, 10.0));
  const auto options = x1.options();
  for (const char* name : ppl::models::kRegressionCoefficients) {
    const std::string prefix = name;
    auto loc = ppl::param(prefix + "_loc", [&] { return torch::zeros({}, options); });
    auto scale = ppl::param(
        prefix + "_scale", [&] { return torch::ones({}, options); }, ppl::constraints::positive);
    ppl::sample(prefix, ppl::dist::Normal(loc, scale));
  }
  auto sigma_loc =
      ppl::param("sigma_loc", [&] { return to_support->inverse(torch::ones({}, options)); });
  auto sigma_scale = ppl::param(
      "sigma_scale", [&] { return torch::full({}, 0.1, options); }, ppl::constraints::positive);
  ppl::sample("sigma", ppl::dist::TransformedDistribution(ppl::dist::Normal(sigma_loc, sigma_scale),
                                                          {to_support}));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  ppl::bench::parse_int_options(argc, argv,
                                {{"--threads", &o.threads},
                                 {"--warmup", &o.warmup},
                                 {"--blocks", &o.blocks},
                                 {"--block-steps", &o.block_steps},
                                 {"--seed", &o.seed}});
  ppl::bench::configure_run(o.threads);

  constexpr int64_t kN = 170;
  torch::manual_seed(o.seed);
  const auto x1 = torch::bernoulli(torch::full({kN}, 0.3));
  const auto x2 = 1.0 + torch::randn({kN});
  const auto y = 9.0 - 2.0 * x1 - 0.2 * x2 + 0.3 * x1 * x2 + torch::randn({kN});

  const auto model = ppl::models::bayesian_regression_model;
  std::vector<std::unique_ptr<Case>> cases;
  cases.push_back(make_case("hand_written", ppl::models::bayesian_regression_guide, x1, x2, y));
  cases.push_back(make_case("hand_written_transformed", transformed_guide, x1, x2, y));
  cases.push_back(make_case("AutoNormal", ppl::infer::AutoNormal(model), x1, x2, y));
  cases.push_back(
      make_case("AutoDiagonalNormal", ppl::infer::AutoDiagonalNormal(model), x1, x2, y));

  for (auto& c : cases) c->run(o.warmup, false);
  for (int block = 0; block < o.blocks; ++block)
    for (auto& c : cases) c->run(o.block_steps, true);

  const double hand_us = ppl::bench::median(cases[0]->times_us);
  const double auto_normal_us = ppl::bench::median(cases[2]->times_us);
  nlohmann::json guides = nlohmann::json::object();
  for (const auto& c : cases) {
    const double us = ppl::bench::median(c->times_us);
    std::cerr << "autoguide " << c->name << ": " << us << " us/step, ratio to hand-written "
              << us / hand_us << ", to AutoNormal " << us / auto_normal_us << "\n";
    guides[c->name] = {{"median_us_per_step", us},
                       {"ratio_to_hand_written", us / hand_us},
                       {"ratio_to_auto_normal", us / auto_normal_us},
                       {"final_loss", c->loss}};
  }
  nlohmann::json result = {
      {"model",
       "models/bayesian_regression (5 latents, 170 observations), Trace_ELBO, Adam lr 0.05"},
      {"warmup_steps", o.warmup},
      {"blocks", o.blocks},
      {"steps_per_block", o.block_steps},
      {"guides", guides}};
  std::cout << result.dump(2) << "\n";
}
