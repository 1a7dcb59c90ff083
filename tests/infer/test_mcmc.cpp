// MCMC with HMC and NUTS: the leapfrog integrator, exact posteriors (a correlated Gaussian with a
// dense mass matrix, Beta-Bernoulli, Gamma-Poisson), the chain methods against each other and
// bit-for-bit reproducibility, enumerated discrete latents, divergences in the funnel, and
// errors. Tolerances come from Monte Carlo standard errors (MCSE = sd / sqrt(n_eff)).
#include "tests/support.h"

#include <doctest/doctest.h>
#include <ppl/ppl.h>
#include "models/eight_schools.h"
#include "models/gaussian_mixture.h"

#include <cmath>

namespace test_mcmc {

using ppl::infer::ChainMethod;
using ppl::infer::HMC;
using ppl::infer::HMCOptions;
using ppl::infer::MCMC;
using ppl::infer::MCMCOptions;
using ppl::infer::NUTS;
using ppl::infer::NUTSOptions;
using ppl::testing::doubles;

namespace {

MCMCOptions quiet(int64_t samples, int64_t warmup, int64_t chains = 1) {
  return MCMCOptions().num_samples(samples).warmup_steps(warmup).num_chains(chains).progress_bar(
      false);
}

/// Checks the posterior mean and sd of the draws of one scalar element against exact values:
/// the mean within 4 MCSE (from the run's own n_eff), the sd within 10%.
void check_moments(const std::string& what, const torch::Tensor& draws_by_chain, double mean,
                   double sd) {
  const torch::Tensor flat = draws_by_chain.reshape({-1});
  const double n_eff = ppl::infer::effective_sample_size(draws_by_chain).item<double>();
  const double mcse = sd / std::sqrt(n_eff);
  INFO(what << ": mean " << flat.mean().item<double>() << " vs " << mean << " (MCSE " << mcse
            << ", n_eff " << n_eff << "), sd " << flat.std().item<double>() << " vs " << sd);
  CHECK(std::abs(flat.mean().item<double>() - mean) < 4 * mcse);
  CHECK(std::abs(flat.std().item<double>() / sd - 1) < 0.1);
}

/// p ~ Beta(1, 1); 15 heads in 28 flips: the posterior is Beta(16, 14).
void coin(const torch::Tensor& flips) {
  auto p = ppl::sample("p", ppl::dist::Beta(doubles({1.0})[0], doubles({1.0})[0]));
  ppl::plate data("data", flips.size(0));
  ppl::sample("flips", ppl::dist::Bernoulli(p), flips);
}

torch::Tensor coin_flips() {
  auto flips = torch::zeros({28}, torch::kDouble);
  flips.narrow(0, 0, 15).fill_(1.0);
  return flips;
}

/// rate ~ Gamma(2, 1); counts ~ Poisson(rate): the posterior is Gamma(2 + sum, 1 + n).
void gamma_poisson(const torch::Tensor& counts) {
  auto rate = ppl::sample("rate", ppl::dist::Gamma(doubles({2.0})[0], doubles({1.0})[0]));
  ppl::plate data("data", counts.size(0));
  ppl::sample("counts", ppl::dist::Poisson(rate), counts);
}

/// z ~ N(0, 10^2 I) in 3 dims; x_i ~ MVN(z, Sigma) with correlations 0.9 and -0.5: a strongly
/// correlated Gaussian posterior, known exactly.
torch::Tensor likelihood_covariance() {
  return doubles({1.0, 0.9, -0.5, 0.9, 1.0, -0.5, -0.5, -0.5, 1.0}).reshape({3, 3});
}

void correlated_gaussian(const torch::Tensor& x) {
  auto z = ppl::sample("z", ppl::dist::Normal(torch::zeros({3}, torch::kDouble), 10.0).to_event(1));
  ppl::plate data("data", x.size(0));
  ppl::sample("x", ppl::dist::MultivariateNormal(z, likelihood_covariance()), x);
}

/// Neal's funnel, centred: y ~ N(0, 3); x ~ N(0, exp(y / 2)) in 9 dims.
void funnel() {
  auto y = ppl::sample("y", ppl::dist::Normal(doubles({0.0})[0], 3.0));
  ppl::sample("x", ppl::dist::Normal(torch::zeros({9}, torch::kDouble), (y / 2).exp()).to_event(1));
}

/// The Gaussian mixture with each datum's component summed out by a mixture distribution
/// instead of by enumeration: the same density over the same latents.
void marginal_mixture(const torch::Tensor& data) {
  auto weights =
      ppl::sample("weights", ppl::dist::Dirichlet(torch::full({2}, 0.5, torch::kDouble)));
  auto scale = ppl::sample("scale", ppl::dist::LogNormal(doubles({0.0})[0], 2.0));
  torch::Tensor locs;
  {
    ppl::plate components("components", 2);
    locs = ppl::sample("locs", ppl::dist::Normal(doubles({0.0})[0], 10.0));
  }
  ppl::plate plate("data", data.size(0));
  ppl::sample(
      "obs",
      ppl::dist::MixtureSameFamily(ppl::dist::Categorical(weights), ppl::dist::Normal(locs, scale)),
      data);
}

torch::Tensor mixture_data() {
  return doubles({0.0, 1.0, 10.0, 11.0, 12.0});
}

void mixture(const torch::Tensor& data) {
  ppl::models::gaussian_mixture_model(data, 2);
}

/// The layout of a model's latent sites and its potential, from one prior run.
template <class Model>
ppl::infer::PotentialEnergy potential_of(Model model, const torch::Tensor& data) {
  ppl::infer::Program program = [model, data] { model(data); };
  ppl::handlers::TraceMessenger tracer;
  program();
  return ppl::infer::PotentialEnergy(program, ppl::infer::ModelLayout::of(tracer.trace()));
}

/// Simulation-based calibration's model, 100 independent copies side by side in a plate:
/// mu ~ N(0, 1), sigma ~ LogNormal(0, 0.5); in each of 3 groups theta ~ N(mu, 1), and 4
/// observations y ~ N(theta, sigma) per group. y: (100, 3, 4), or undefined to draw it.
constexpr int64_t kReplicates = 100;

void hierarchical(const torch::Tensor& y) {
  ppl::plate replicates("replicates", kReplicates, -3);
  auto mu = ppl::sample("mu", ppl::dist::Normal(doubles({0.0})[0], 1.0));
  auto sigma = ppl::sample("sigma", ppl::dist::LogNormal(doubles({0.0})[0], 0.5));
  ppl::plate groups("groups", 3, -2);
  auto theta = ppl::sample("theta", ppl::dist::Normal(mu, 1.0));
  ppl::plate data("data", 4, -1);
  ppl::sample("y", ppl::dist::Normal(theta, sigma), y);
}

/// Pearson's chi-square statistic of `ranks` (each in 0..99) in 10 equal bins.
double chi_square(const torch::Tensor& ranks) {
  const auto counts =
      torch::bincount(torch::floor_divide(ranks, 10).to(torch::kLong), {}, 10).to(torch::kDouble);
  const double expected = static_cast<double>(ranks.numel()) / 10;
  return ((counts - expected).pow(2) / expected).sum().item<double>();
}

}  // namespace

TEST_CASE("leapfrog: reversible, and its energy error shrinks as the step squared") {
  // U(q) = q^T A q / 2 with an ill-conditioned A; the identity metric.
  const std::vector<double> a{4.0, 1.0, 1.0, 0.5};
  auto gradient = [&](const ppl::infer::Vector& q) {
    return ppl::infer::Vector{a[0] * q[0] + a[1] * q[1], a[2] * q[0] + a[3] * q[1]};
  };
  auto potential = [&](const ppl::infer::Vector& q) {
    return 0.5 * (q[0] * (a[0] * q[0] + a[1] * q[1]) + q[1] * (a[2] * q[0] + a[3] * q[1]));
  };
  const ppl::infer::Metric metric(2, /*dense=*/false);
  auto integrate = [&](ppl::infer::PhasePoint z, double step, int steps) {
    ppl::infer::Vector velocity;
    for (int i = 0; i < steps; ++i) {
      ppl::infer::leapfrog_begin(z, metric, step, velocity);
      const auto grad = gradient(z.q);
      ppl::infer::leapfrog_end(z, potential(z.q), grad.data(), step);
    }
    return z;
  };
  ppl::infer::PhasePoint start{{0.3, -1.2}, {0.8, 0.4}, {}, 0};
  start.grad = gradient(start.q);
  start.potential = potential(start.q);

  auto end = integrate(start, 0.1, 25);
  for (double& p : end.p) p = -p;
  const auto back = integrate(end, 0.1, 25);
  for (int i = 0; i < 2; ++i) {
    CHECK(back.q[i] == doctest::Approx(start.q[i]).epsilon(1e-12));
    CHECK(-back.p[i] == doctest::Approx(start.p[i]).epsilon(1e-12));
  }
  // The largest energy error over one period, at steps h and h/2: a ratio near 4.
  auto max_error = [&](double step) {
    double worst = 0;
    ppl::infer::PhasePoint z = start;
    for (int i = 0; i < static_cast<int>(3.0 / step); ++i) {
      z = integrate(z, step, 1);
      worst = std::max(worst, std::abs(z.hamiltonian(metric) - start.hamiltonian(metric)));
    }
    return worst;
  };
  const double ratio = max_error(0.05) / max_error(0.025);
  INFO("energy error ratio " << ratio);
  CHECK(ratio == doctest::Approx(4.0).epsilon(0.1));
}

TEST_CASE("NUTS samples the Beta-Bernoulli posterior Beta(16, 14)") {
  auto mcmc = MCMC(NUTS(coin), quiet(1000, 500, 2));
  mcmc.run(coin_flips());
  const auto samples = mcmc.get_samples(/*group_by_chain=*/true);
  REQUIRE(samples.at("p").sizes() == c10::IntArrayRef({2, 1000}));
  const double a = 16, b = 14;
  check_moments("p", samples.at("p"), a / (a + b),
                std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))));
  // HMC on the same posterior.
  auto hmc = MCMC(HMC(coin, HMCOptions().num_steps(8)), quiet(1000, 500, 2));
  hmc.run(coin_flips());
  check_moments("p (HMC)", hmc.get_samples(true).at("p"), a / (a + b),
                std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))));
}

TEST_CASE("NUTS samples the Gamma-Poisson posterior Gamma(23, 7)") {
  auto mcmc = MCMC(NUTS(gamma_poisson), quiet(1000, 500, 2));
  mcmc.run(doubles({3, 5, 2, 4, 6, 1}));
  check_moments("rate", mcmc.get_samples(true).at("rate"), 23.0 / 7, std::sqrt(23.0) / 7);
}

TEST_CASE("NUTS with a dense mass matrix samples a correlated Gaussian posterior") {
  const auto x =
      doubles({1.2, 0.8, -0.3, 0.5, 0.9, 0.1, 1.9, 1.5, -1.0, 0.7, 0.2, 0.4}).reshape({4, 3});
  // Exact: precision I/100 + n Sigma^-1; mean = cov (Sigma^-1 sum x).
  const auto sigma_inverse = torch::inverse(likelihood_covariance());
  const auto covariance = torch::inverse(torch::eye(3, torch::kDouble) / 100 + 4 * sigma_inverse);
  const auto mean = torch::matmul(covariance, torch::matmul(sigma_inverse, x.sum(0)));
  auto mcmc = MCMC(NUTS(correlated_gaussian, NUTSOptions().full_mass(true)), quiet(1000, 500, 2));
  mcmc.run(x);
  const auto z = mcmc.get_samples(true).at("z");
  for (int64_t i = 0; i < 3; ++i)
    check_moments("z[" + std::to_string(i) + "]", z.select(2, i), mean[i].item<double>(),
                  covariance[i][i].sqrt().item<double>());
  // The adapted dense inverse mass matrix is the posterior covariance, correlations included.
  const auto inverse_mass = mcmc.diagnostics().chains[0].inverse_mass_matrix;
  REQUIRE(inverse_mass.size() == 9);
  const double correlation = inverse_mass[1] / std::sqrt(inverse_mass[0] * inverse_mass[4]);
  const double exact =
      (covariance[0][1] / (covariance[0][0] * covariance[1][1]).sqrt()).item<double>();
  INFO("adapted correlation " << correlation << ", posterior " << exact);
  CHECK(std::abs(correlation - exact) < 0.1);
}

TEST_CASE("the centred funnel: NUTS detects and reports divergences") {
  // A step size fixed at 1 cannot follow the funnel into its neck: the energy error of those
  // trajectories explodes, and each such transition is reported.
  auto mcmc =
      MCMC(NUTS(funnel, NUTSOptions().step_size(1.0).adapt_step_size(false)), quiet(300, 100));
  mcmc.run();
  const auto diagnostics = mcmc.diagnostics();
  const auto& chain = diagnostics.chains[0];
  INFO(mcmc.summary());
  CHECK(chain.divergences > 0);
  REQUIRE(static_cast<int64_t>(chain.divergent_draws.size()) == chain.divergences);
  const auto& stats = mcmc.transition_stats()[0];
  for (int64_t draw : chain.divergent_draws) CHECK(stats[100 + draw].divergent);
  CHECK(ppl::testing::contains(mcmc.summary(),
                               "Number of divergences: " + std::to_string(chain.divergences)));
  // The same sampler on a well-conditioned posterior does not diverge.
  auto calm =
      MCMC(NUTS(coin, NUTSOptions().step_size(0.5).adapt_step_size(false)), quiet(300, 100));
  calm.run(coin_flips());
  CHECK(calm.diagnostics().chains[0].divergences == 0);
}

TEST_CASE(
    "enumerated discrete latents: the potential sums them out exactly, NUTS samples the globals") {
  // The enumerated mixture and the same mixture written with MixtureSameFamily have the same
  // potential and gradient at any point.
  const auto data = mixture_data();
  const auto enumerated = potential_of(mixture, data);
  const auto marginal = potential_of(marginal_mixture, data);
  REQUIRE(enumerated.dim() == 4);  // weights (1 after stick-breaking), scale, locs (2)
  CHECK(enumerated.layout().enumerated);
  const auto z = doubles({0.3, 0.2, -1.0, 0.7, -0.2, 1.1, 0.4, 0.9}).reshape({2, 4});
  const auto [u_enumerated, g_enumerated] = enumerated(z);
  const auto [u_marginal, g_marginal] = marginal(z);
  CHECK(torch::allclose(u_enumerated, u_marginal, 1e-10, 1e-10));
  CHECK(torch::allclose(g_enumerated, g_marginal, 1e-9, 1e-9));

  // NUTS over weights, scale and locs: one component near 0.5, the other near 11.
  auto mcmc = MCMC(NUTS(mixture), quiet(300, 300));
  mcmc.run(data);
  const auto locs = std::get<0>(mcmc.get_samples().at("locs").sort(-1));
  INFO(mcmc.summary());
  CHECK(locs.select(1, 0).mean().item<double>() == doctest::Approx(0.5).epsilon(0.5));
  CHECK(locs.select(1, 1).mean().item<double>() == doctest::Approx(11.0).epsilon(0.05));
}

TEST_CASE("eight schools, non-centred: posterior means within 4 MCSE of Stan's long run") {
  // bench/peers/eight_schools_reference.json: Stan 2.21, 4 chains x 50,000 draws (mean, MCSE).
  const std::vector<std::tuple<std::string, double, double>> reference{
      {"mu", 4.40423, 0.00718},       {"tau", 3.60277, 0.00793},
      {"theta[0]", 6.23329, 0.01254}, {"theta[1]", 4.95322, 0.00931},
      {"theta[2]", 3.93493, 0.01138}, {"theta[3]", 4.75838, 0.00954},
      {"theta[4]", 3.62919, 0.00958}, {"theta[5]", 4.04690, 0.01005},
      {"theta[6]", 6.30766, 0.01058}, {"theta[7]", 4.85465, 0.01135}};
  const auto y = ppl::models::eight_schools_effects();
  const auto sigma = ppl::models::eight_schools_standard_errors();
  auto mcmc = MCMC(NUTS(ppl::models::eight_schools),
                   quiet(1000, 500, 4).chain_method(ChainMethod::vectorized));
  mcmc.run(y, sigma);
  // theta is a deterministic site: the draws go into Predictive for it.
  auto samples = mcmc.get_samples();
  const auto theta =
      ppl::infer::Predictive(ppl::models::eight_schools, samples,
                             ppl::infer::PredictiveOptions().return_sites({"theta"}))(y, sigma)
          .at("theta");
  REQUIRE(theta.sizes() == c10::IntArrayRef({4000, 8}));
  samples["theta"] = theta;
  for (const auto& [element, mean, reference_mcse] : reference) {
    const auto bracket = element.find('[');
    const std::string site = element.substr(0, bracket);
    torch::Tensor draws = samples.at(site).reshape({4, 1000, -1});
    draws = bracket == std::string::npos ? draws.select(2, 0)
                                         : draws.select(2, std::stol(element.substr(bracket + 1)));
    const double n_eff = ppl::infer::effective_sample_size(draws).item<double>();
    const double mcse = std::hypot(draws.std().item<double>() / std::sqrt(n_eff), reference_mcse);
    INFO(element << ": " << draws.mean().item<double>() << " vs Stan's " << mean << ", MCSE "
                 << mcse << " (n_eff " << n_eff << ")");
    CHECK(std::abs(draws.mean().item<double>() - mean) < 4 * mcse);
  }
}

TEST_CASE("simulation-based calibration: the ranks of the true values are uniform") {
  // Talts et al. (2018): draw parameters and data from the prior predictive, sample the
  // posterior, and rank each true value among 99 thinned posterior draws: uniform on 0..99
  // when the sampler is right. 100 replicates sampled together as one product posterior.
  const int64_t replicates = kReplicates;
  torch::manual_seed(2024);
  auto prior = ppl::infer::Predictive(hierarchical, 1)(torch::Tensor());
  const auto y = prior.at("y")[0];
  auto mcmc =
      MCMC(NUTS(hierarchical), quiet(495, 300, 4).chain_method(ChainMethod::vectorized).seed(3));
  mcmc.run(y);
  const auto samples = mcmc.get_samples();  // (1980, replicates, ...)
  const auto thinned = torch::arange(0, 1980, 20);
  for (const std::string site : {"mu", "sigma", "theta"}) {
    const auto truth = prior.at(site)[0].reshape({replicates, -1}).select(1, 0);
    const auto draws =
        samples.at(site).index_select(0, thinned).reshape({99, replicates, -1}).select(2, 0);
    const auto ranks = (draws < truth).sum(0);
    const double statistic = chi_square(ranks);
    // The chi-square distribution with 9 degrees of freedom exceeds 27.88 with probability 0.001.
    INFO(site << ": chi-square " << statistic << ", divergences "
              << mcmc.diagnostics().chains[0].divergences);
    CHECK(statistic < 27.88);
  }
}

TEST_CASE("chain methods: parallel equals sequential, vectorized samples the same posterior") {
  const auto flips = coin_flips();
  auto run = [&](ChainMethod method) {
    auto mcmc = MCMC(NUTS(coin), quiet(1000, 500, 4).chain_method(method).seed(7));
    mcmc.run(flips);
    return mcmc;
  };
  auto sequential = run(ChainMethod::sequential);
  // Seeded: bit for bit the same draws again, and with one thread per chain.
  CHECK(torch::equal(sequential.unconstrained_draws(),
                     run(ChainMethod::sequential).unconstrained_draws()));
  CHECK(torch::equal(sequential.unconstrained_draws(),
                     run(ChainMethod::parallel).unconstrained_draws()));
  auto vectorized = run(ChainMethod::vectorized);
  const double a = 16, b = 14;
  check_moments("p (vectorized)", vectorized.get_samples(true).at("p"), a / (a + b),
                std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))));
  // Each chain starts where the sequential run's does, and then adapts and samples on its own.
  CHECK(vectorized.diagnostics().potential_evaluations <
        sequential.diagnostics().potential_evaluations);
}

TEST_CASE("MCMC errors name the site or option") {
  using ppl::testing::what_of;
  auto discrete = [] {
    auto k = ppl::sample("k", ppl::dist::Bernoulli(doubles({0.3})[0]));
    ppl::sample("x", ppl::dist::Normal(k, 1.0), doubles({0.5})[0]);
  };
  auto message = what_of([&] { MCMC(NUTS(discrete), quiet(10, 10)).run(); });
  CHECK(ppl::testing::contains(message, "sample site 'k' is discrete"));
  CHECK(ppl::testing::contains(message, "not marked for enumeration"));
  auto observed_only = [] { ppl::sample("x", ppl::dist::Normal(0.0, 1.0), doubles({0.5})[0]); };
  CHECK(ppl::testing::contains(what_of([&] { MCMC(NUTS(observed_only), quiet(10, 10)).run(); }),
                               "no continuous latent"));
  CHECK(ppl::testing::contains(what_of([&] { MCMC(NUTS(coin), quiet(0, 10)).run(coin_flips()); }),
                               "num_samples must be >= 1, got 0"));
  CHECK(ppl::testing::contains(
      what_of([&] {
        MCMC(NUTS(coin, NUTSOptions().max_tree_depth(0)), quiet(10, 10)).run(coin_flips());
      }),
      "max_tree_depth must be >= 1, got 0"));
  CHECK(ppl::testing::contains(
      what_of([&] {
        MCMC(NUTS(coin, NUTSOptions().target_accept_prob(1.5)), quiet(10, 10)).run(coin_flips());
      }),
      "target_accept_prob must be in (0, 1), got 1.5"));
  // Vectorized chains go in a plate left of every batch dim: a batch dim that is no plate is
  // an error naming the site.
  auto unplated = [] {
    auto w = ppl::sample("w", ppl::dist::Normal(torch::zeros({3}, torch::kDouble), 1.0));
    ppl::sample("x", ppl::dist::Normal(w, 1.0).to_event(1), doubles({0.1, 0.2, 0.3}));
  };
  CHECK(ppl::testing::contains(
      what_of([&] {
        MCMC(NUTS(unplated), quiet(10, 10, 2).chain_method(ChainMethod::vectorized)).run();
      }),
      "sample site 'w' has 1 batch dims but max_plate_nesting is 0"));
  // A posterior so flat that the step-size search never ends.
  auto flat = [] { ppl::sample("mu", ppl::dist::Normal(doubles({0.0})[0], 1e12)); };
  CHECK(ppl::testing::contains(what_of([&] { MCMC(NUTS(flat), quiet(10, 10)).run(); }),
                               "the step size grew past 1e7"));
  auto not_run = MCMC(NUTS(coin), quiet(10, 10));
  CHECK(ppl::testing::contains(what_of([&] { not_run.get_samples(); }), "call run(...) before"));
  // A model whose density is nowhere finite.
  auto impossible = [] {
    auto mu = ppl::sample("mu", ppl::dist::Normal(doubles({0.0})[0], 1.0));
    ppl::factor("never", mu * 0 - std::numeric_limits<double>::infinity());
  };
  CHECK(ppl::testing::contains(what_of([&] { MCMC(NUTS(impossible), quiet(10, 10)).run(); }),
                               "no initial point with a finite potential energy"));
}

}  // namespace test_mcmc
