// Pyro's SVI tutorial (part II): is a coin fair? A Beta prior, ten flips with six heads, and a
// Beta guide with positive-constrained parameters fitted by SVI recover the exact posterior.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include <cmath>

namespace test_coin_fairness {

namespace dist = ppl::dist;

namespace {

void model(const torch::Tensor& flips) {
  auto fairness = ppl::sample("latent_fairness", dist::Beta(10.0, 10.0));
  ppl::plate data("data", flips.size(0));
  ppl::sample("obs", dist::Bernoulli(fairness), flips);
}

void guide(const torch::Tensor& flips) {
  const auto options = flips.options();
  auto alpha_q = ppl::param("alpha_q", torch::full({}, 15.0, options), ppl::constraints::positive);
  auto beta_q = ppl::param("beta_q", torch::full({}, 15.0, options), ppl::constraints::positive);
  ppl::sample("latent_fairness", dist::Beta(alpha_q, beta_q));
}

}  // namespace

TEST_CASE("SVI with a Beta guide recovers the coin's exact posterior Beta(16, 14)") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::handlers::SeedMessenger seed(0);
  const auto flips = torch::tensor({1., 1., 1., 1., 1., 1., 0., 0., 0., 0.}, torch::kDouble);

  // The tutorial's settings: Adam lr 5e-4, betas (0.90, 0.999); 5000 steps.
  ppl::infer::SVI svi(
      model, guide,
      ppl::optim::Adam(ppl::optim::AdamOptions(5e-4).betas(std::make_tuple(0.90, 0.999))),
      ppl::infer::Trace_ELBO());
  for (int step = 0; step < 5000; ++step) svi.step(flips);

  const double alpha = store.get("alpha_q").item<double>(),
               beta = store.get("beta_q").item<double>();
  const double mean = alpha / (alpha + beta);
  const double sd =
      std::sqrt(alpha * beta / ((alpha + beta) * (alpha + beta) * (alpha + beta + 1)));
  const double exact_mean = 16.0 / 30, exact_sd = std::sqrt(16.0 * 14 / (30 * 30 * 31));
  MESSAGE("Beta(" << alpha << ", " << beta << "): mean " << mean << " (exact " << exact_mean
                  << "), sd " << sd << " (exact " << exact_sd << ")");
  CHECK(std::abs(mean - exact_mean) <= 0.02 * exact_mean);
  CHECK(std::abs(sd - exact_sd) <= 0.10 * exact_sd);
}

}  // namespace test_coin_fairness
