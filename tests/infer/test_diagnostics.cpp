// MCMC diagnostics: autocorrelation of short sequences by hand and against Pyro's own test
// values; ESS and R-hat against their formulas computed directly and on AR(1) chains whose
// integrated autocorrelation time is known; hpdi of normal, exponential and fixed samples; the
// summary rows and table; errors.
#include <doctest/doctest.h>
#include <ppl/infer/diagnostics.h>

#include "tests/support.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace test_diagnostics {

using ppl::infer::autocorrelation;
using ppl::infer::autocovariance;
using ppl::infer::effective_sample_size;
using ppl::infer::format_summary;
using ppl::infer::gelman_rubin;
using ppl::infer::hpdi;
using ppl::infer::split_gelman_rubin;
using ppl::infer::summarize;
using ppl::infer::SummaryRow;
using ppl::testing::contains;
using ppl::testing::doubles;
using ppl::testing::generator;
using ppl::testing::invalid_argument_of;

namespace {

using Chains = std::vector<std::vector<double>>;

/// `num_chains` AR(1) chains x_t = phi x_{t-1} + sqrt(1 - phi^2) e_t, e_t ~ N(0, 1), each
/// started from the stationary N(0, 1): (num_chains, num_draws), float64.
torch::Tensor ar1_chains(double phi, int64_t num_chains, int64_t num_draws, uint64_t seed) {
  torch::Tensor x = torch::randn({num_chains, num_draws}, generator(seed), torch::kDouble);
  auto values = x.accessor<double, 2>();
  const double innovation_scale = std::sqrt(1 - phi * phi);
  for (int64_t chain = 0; chain < num_chains; ++chain) {
    for (int64_t t = 1; t < num_draws; ++t) {
      values[chain][t] = phi * values[chain][t - 1] + innovation_scale * values[chain][t];
    }
  }
  return x;
}

/// The closed-form ESS of AR(1) chains: N_total / tau with tau = (1 + phi) / (1 - phi).
double ar1_ess(double phi, int64_t total_draws) {
  return static_cast<double>(total_draws) * (1 - phi) / (1 + phi);
}

/// Element `element` of `samples` (num_chains, num_draws, ...) as plain vectors, one per chain.
Chains chains_of(const torch::Tensor& samples, int64_t element) {
  const torch::Tensor flat =
      samples.to(torch::kDouble).reshape({samples.size(0), samples.size(1), -1});
  Chains chains(flat.size(0));
  for (int64_t c = 0; c < flat.size(0); ++c) {
    for (int64_t t = 0; t < flat.size(1); ++t)
      chains[c].push_back(flat[c][t][element].item<double>());
  }
  return chains;
}

double mean_of(const std::vector<double>& x) {
  double sum = 0;
  for (double v : x) sum += v;
  return sum / static_cast<double>(x.size());
}

double unbiased_variance_of(const std::vector<double>& x) {
  const double mean = mean_of(x);
  double sum = 0;
  for (double v : x) sum += (v - mean) * (v - mean);
  return sum / static_cast<double>(x.size() - 1);
}

/// Pyro's autocovariance by its definition: lag k averages its n - k lagged products.
std::vector<double> direct_autocovariance(const std::vector<double>& x) {
  const auto n = static_cast<int64_t>(x.size());
  const double mean = mean_of(x);
  std::vector<double> result(n);
  for (int64_t k = 0; k < n; ++k) {
    double sum = 0;
    for (int64_t t = 0; t + k < n; ++t) sum += (x[t] - mean) * (x[t + k] - mean);
    result[k] = sum / static_cast<double>(n - k);
  }
  return result;
}

/// Pyro's R-hat by its formula: sqrt(((n-1)/n W + B/n) / W).
double direct_r_hat(const Chains& chains) {
  const auto n = static_cast<double>(chains[0].size());
  std::vector<double> means, variances;
  for (const auto& chain : chains) {
    means.push_back(mean_of(chain));
    variances.push_back(unbiased_variance_of(chain));
  }
  const double within = mean_of(variances);
  return std::sqrt(((n - 1) / n * within + unbiased_variance_of(means)) / within);
}

/// Pyro's (Stan reference manual 2.18's) ESS by its formula, in plain loops.
double direct_ess(const Chains& chains) {
  const auto num_chains = static_cast<int64_t>(chains.size());
  const auto n = static_cast<int64_t>(chains[0].size());
  std::vector<double> mean_autocovariance(n, 0.0), means, variances;
  for (const auto& chain : chains) {
    const auto gamma = direct_autocovariance(chain);
    for (int64_t k = 0; k < n; ++k) mean_autocovariance[k] += gamma[k] / num_chains;
    means.push_back(mean_of(chain));
    variances.push_back(unbiased_variance_of(chain));
  }
  double within = mean_of(variances);
  double pooled = within * static_cast<double>(n - 1) / static_cast<double>(n);
  if (num_chains > 1) {
    pooled += unbiased_variance_of(means);
  } else {
    within = pooled;
  }
  std::vector<double> rho(n);
  for (int64_t k = 0; k < n; ++k) rho[k] = 1 - (within - mean_autocovariance[k]) / pooled;
  rho[0] = 1;
  double tau = -1 + 2 * (rho[0] + rho[1]);
  double running_min = std::numeric_limits<double>::infinity();
  for (int64_t m = 1; m < n / 2; ++m) {
    running_min = std::min(running_min, std::max(rho[2 * m] + rho[2 * m + 1], 0.0));
    tau += 2 * running_min;
  }
  return static_cast<double>(num_chains * n) / tau;
}

double max_abs_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

}  // namespace

TEST_CASE("autocorrelation and autocovariance of short sequences, by hand") {
  // x = 1, 2, 3, 4: centered -1.5, -0.5, 0.5, 1.5, biased variance 5/4; the lagged products
  // average to 5/4, 5/12 (1.25 / 3), -3/4 (-1.5 / 2) and -9/4 (-2.25 / 1).
  const torch::Tensor x = doubles({1, 2, 3, 4});
  CHECK(max_abs_difference(autocovariance(x), doubles({1.25, 5.0 / 12, -0.75, -2.25})) < 1e-12);
  CHECK(max_abs_difference(autocorrelation(x), doubles({1, 1.0 / 3, -0.6, -1.8})) < 1e-12);

  // Pyro's own test values for 0, 1, ..., 9 (tests/ops/test_stats.py, given to 2 decimals).
  const torch::Tensor ramp = torch::arange(10, torch::kFloat);
  const torch::Tensor pyro_correlation =
      doubles({1, 0.78, 0.52, 0.21, -0.13, -0.52, -0.94, -1.4, -1.91, -2.45});
  const torch::Tensor pyro_covariance =
      doubles({8.25, 6.42, 4.25, 1.75, -1.08, -4.25, -7.75, -11.58, -15.75, -20.25});
  const torch::Tensor correlation = autocorrelation(ramp);
  CHECK((correlation.scalar_type() == torch::kDouble));
  CHECK(max_abs_difference(correlation, pyro_correlation) < 0.005 + 1e-9);
  CHECK(max_abs_difference(autocovariance(ramp), pyro_covariance) < 0.005 + 1e-9);

  // Constant sequences: every lag is 1 (also where the computed mean is off by an ulp).
  for (double value : {0.1, 0.7, 3.3, 123.456}) {
    for (int64_t length : {3, 7, 100}) {
      CAPTURE(value);
      CAPTURE(length);
      const torch::Tensor constant = torch::full({length}, value, torch::kDouble);
      CHECK((autocorrelation(constant) == 1).all().item<bool>());
      CHECK((autocovariance(constant).abs() < 1e-25).all().item<bool>());
    }
  }

  // Along a middle dim, series by series; a constant series is all ones.
  torch::Tensor grid = torch::randn({2, 7, 3}, generator(1), torch::kDouble);
  grid.select(0, 1).select(1, 2).fill_(0.1);
  const torch::Tensor along_middle = autocorrelation(grid, -2);
  REQUIRE(along_middle.sizes() == grid.sizes());
  CHECK((along_middle.select(1, 0) == 1).all().item<bool>());
  CHECK((along_middle.select(0, 1).select(1, 2) == 1).all().item<bool>());
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      const auto series = grid.select(0, i).select(1, j);
      CHECK(max_abs_difference(along_middle.select(0, i).select(1, j), autocorrelation(series)) <
            1e-12);
      if (i == 1 && j == 2) continue;
      const torch::Tensor contiguous = series.contiguous();
      std::vector<double> values(contiguous.data_ptr<double>(), contiguous.data_ptr<double>() + 7);
      CHECK(max_abs_difference(autocovariance(series), doubles(direct_autocovariance(values))) <
            1e-12);
    }
  }
}

TEST_CASE("effective_sample_size and R-hat equal their formulas computed directly") {
  // Odd and even draw counts, one and several chains, a trailing element shape.
  for (const auto& shape : std::vector<std::vector<int64_t>>{{3, 11, 2}, {3, 10}, {1, 9}, {2, 4}}) {
    CAPTURE(ppl::dist::shape_str(shape));
    const torch::Tensor samples = torch::randn(shape, generator(2), torch::kDouble).cumsum(1);
    const torch::Tensor ess = effective_sample_size(samples);
    const torch::Tensor split = split_gelman_rubin(samples);
    REQUIRE(ess.sizes() == samples.sizes().slice(2));
    REQUIRE(split.sizes() == samples.sizes().slice(2));
    const int64_t num_draws = shape[1], half = num_draws / 2;
    for (int64_t element = 0; element < ess.numel(); ++element) {
      const Chains chains = chains_of(samples, element);
      CHECK(ess.reshape(-1)[element].item<double>() ==
            doctest::Approx(direct_ess(chains)).epsilon(1e-10));
      // Split R-hat: the first and the last floor(n/2) draws of each chain (the middle draw of
      // an odd n left out).
      Chains halves;
      for (const auto& chain : chains) {
        halves.emplace_back(chain.begin(), chain.begin() + half);
        halves.emplace_back(chain.end() - half, chain.end());
      }
      CHECK(split.reshape(-1)[element].item<double>() ==
            doctest::Approx(direct_r_hat(halves)).epsilon(1e-12));
      if (shape[0] > 1) {
        CHECK(gelman_rubin(samples).reshape(-1)[element].item<double>() ==
              doctest::Approx(direct_r_hat(chains)).epsilon(1e-12));
      }
    }
  }

  // Pyro's own anchors (tests/ops/test_stats.py): 100 chains 0..9, 10..19, ...: 52.64 (as
  // arviz); two chains 0..9 and 1..10: R-hat 0.98, both to 2 decimals.
  CHECK(
      effective_sample_size(torch::arange(1000, torch::kFloat).reshape({100, 10})).item<double>() ==
      doctest::Approx(52.64).epsilon(0.005 / 52.64));
  const torch::Tensor ramps = torch::stack({torch::arange(10.0), torch::arange(10.0) + 1});
  CHECK(gelman_rubin(ramps).item<double>() == doctest::Approx(0.98).epsilon(0.005 / 0.98));
  CHECK(split_gelman_rubin(ramps).item<double>() ==
        doctest::Approx(gelman_rubin(ramps.reshape({4, 5})).item<double>()).epsilon(1e-12));

  // An element whose draws are all equal has NaN ESS and R-hat; its neighbours are unaffected.
  torch::Tensor with_constant = torch::randn({2, 20, 2}, generator(3), torch::kDouble);
  with_constant.select(2, 1).fill_(0.1);
  const torch::Tensor ess = effective_sample_size(with_constant);
  CHECK(std::isfinite(ess[0].item<double>()));
  CHECK(std::isnan(ess[1].item<double>()));
  CHECK(std::isnan(gelman_rubin(with_constant)[1].item<double>()));
  CHECK(std::isnan(split_gelman_rubin(with_constant)[1].item<double>()));
  CHECK(std::isfinite(split_gelman_rubin(with_constant)[0].item<double>()));
  // Constant chains of 0.1, 0.7 and 3.3, whose computed means are off by an ulp (and with one
  // chain, whose variances come out about 1e-33, not 0): still NaN.
  for (double value : {0.1, 0.7, 3.3}) {
    for (int64_t num_chains : {1, 2}) {
      const torch::Tensor constant_chains = torch::full({num_chains, 7}, value, torch::kDouble);
      CHECK(std::isnan(effective_sample_size(constant_chains).item<double>()));
      CHECK(std::isnan(split_gelman_rubin(constant_chains).item<double>()));
      if (num_chains > 1) CHECK(std::isnan(gelman_rubin(constant_chains).item<double>()));
    }
  }
}

TEST_CASE("ESS of AR(1) chains is close to N_total (1 - phi) / (1 + phi)") {
  // AR(1) with unit stationary variance has rho_k = phi^k and integrated autocorrelation time
  // tau = 1 + 2 sum_k phi^k = (1 + phi) / (1 - phi). 4 chains x 5000 draws, N_total = 20000.
  // The estimate N_total / tau_hat sums autocorrelations up to the truncation lag L, so its
  // relative sd is about sqrt(2 (2L + 1) / N_total) (a truncated lag window's variance): L ~ 2,
  // 6 and 30 for phi = 0, 0.5 and 0.9 give 2.2%, 3.6% and 7.9%. Measured over 300 seeds: bias
  // under 1.3%, sd 2.2%, 3.6% and 8.2%, largest error 11%, 13% and 35%. Tolerances: 4 sd.
  struct Case {
    double phi, tolerance;
  };
  for (const Case& c : {Case{0.0, 0.09}, Case{0.5, 0.15}, Case{0.9, 0.33}}) {
    CAPTURE(c.phi);
    const double ess = effective_sample_size(ar1_chains(c.phi, 4, 5000, 10)).item<double>();
    CHECK(ess == doctest::Approx(ar1_ess(c.phi, 20000)).epsilon(c.tolerance));
  }
  // One chain of 20000 draws: the same estimate and spread (measured sd 8.2% for phi = 0.9).
  const double one_chain = effective_sample_size(ar1_chains(0.9, 1, 20000, 11)).item<double>();
  CHECK(one_chain == doctest::Approx(ar1_ess(0.9, 20000)).epsilon(0.33));
}

TEST_CASE("split R-hat: near 1 for chains of one process, above 1.1 when chains disagree") {
  // 4 chains x 5000 draws split into 8 halves of n = 2500: R-hat^2 = (n-1)/n + B/W with B the
  // variance of the half means, about (tau / n) chi^2_7 / 7, so R-hat - 1 ~ (tau / 2n) chi^2_7 / 7.
  // phi = 0.5 (tau = 3): 99th percentile 1.0016 (measured over 300 seeds: largest 1.0018);
  // bound 1.01. phi = 0.9 (tau = 19): 99th percentile 1.0100 (measured: 1.0109, largest
  // 1.0131); bound 1.015.
  struct Case {
    double phi, bound;
  };
  for (const Case& c : {Case{0.5, 1.01}, Case{0.9, 1.015}}) {
    CAPTURE(c.phi);
    const double r_hat = split_gelman_rubin(ar1_chains(c.phi, 4, 5000, 20)).item<double>();
    CHECK(r_hat > 1 - 0.01);
    CHECK(r_hat < c.bound);
  }
  // One chain shifted by `shift` stationary sds (phi = 0.5): 2 of the 8 half means are at
  // `shift`, so B = shift^2 (8/7) (2/8) (6/8) = 0.2143 shift^2 and R-hat ~ sqrt(1 + B): 1.102 for
  // one sd, 1.363 for two. Measured over 300 seeds: 1.089..1.120 and 1.337..1.392; tolerance 3%.
  for (double shift : {1.0, 2.0}) {
    CAPTURE(shift);
    torch::Tensor chains = ar1_chains(0.5, 4, 5000, 21);
    chains[3] += shift;
    const double r_hat = split_gelman_rubin(chains).item<double>();
    CHECK(r_hat == doctest::Approx(std::sqrt(1 + 0.2143 * shift * shift)).epsilon(0.03));
    CHECK(r_hat > (shift == 1.0 ? 1.08 : 1.3));
  }
}

TEST_CASE("hpdi: the narrowest interval holding prob of the samples") {
  // 100000 draws of N(0, 1): the 90% interval is +-1.6449. A sample quantile at 0.05 or 0.95
  // has sd sqrt(0.05 0.95 / N) / phi(1.645) = 0.0067; tolerance 0.03 (4.5 sd).
  const torch::Tensor normal = torch::randn({100000}, generator(30), torch::kDouble);
  const torch::Tensor interval = hpdi(normal, 0.9);
  REQUIRE(interval.sizes() == torch::IntArrayRef({2}));
  CHECK(interval[0].item<double>() == doctest::Approx(-1.6449).epsilon(0.03 / 1.6449));
  CHECK(interval[1].item<double>() == doctest::Approx(1.6449).epsilon(0.03 / 1.6449));

  // Exponential(1): the 90% HPDI is [0, ln 10 = 2.3026], narrower than the equal-tailed
  // [0.0513, 2.9957]. The sample 0.9-quantile has sd sqrt(0.9 0.1 / N) / 0.1 = 0.0095;
  // tolerance 0.04. The lower end is the sample minimum or a draw just above it (spacing 1e-5).
  const torch::Tensor exponential =
      -torch::log1p(-torch::rand({100000}, generator(31), torch::kDouble));
  const torch::Tensor skewed = hpdi(exponential, 0.9);
  CHECK(skewed[0].item<double>() >= 0);
  CHECK(skewed[0].item<double>() < 0.005);
  CHECK(skewed[1].item<double>() == doctest::Approx(std::log(10.0)).epsilon(0.04 / std::log(10.0)));
  const torch::Tensor equal_tailed = torch::quantile(exponential, doubles({0.05, 0.95}));
  const double hpdi_width = (skewed[1] - skewed[0]).item<double>();
  const double equal_tailed_width = (equal_tailed[1] - equal_tailed[0]).item<double>();
  CHECK(hpdi_width < equal_tailed_width - 0.5);

  // Fixed samples, per element along dim 0: k = floor(0.5 * 8) = 4 draws apart.
  const torch::Tensor fixed = torch::stack(
      {doubles({10, 0, 30, 3, 1, 20, 4, 2}), -doubles({10, 0, 30, 3, 1, 20, 4, 2})}, 1);
  const torch::Tensor per_column = hpdi(fixed, 0.5);
  REQUIRE(per_column.sizes() == torch::IntArrayRef({2, 2}));
  CHECK(max_abs_difference(per_column, doubles({0, -4, 4, 0}).reshape({2, 2})) == 0);
  // Ties go to the first (lowest) interval: 0 1 2 3 with k = 2 has [0, 2] and [1, 3].
  CHECK(max_abs_difference(hpdi(doubles({3, 1, 0, 2}), 0.5), doubles({0, 2})) == 0);
  // One sample: k = 0, the interval is that sample.
  CHECK(max_abs_difference(hpdi(doubles({7}), 0.9), doubles({7, 7})) == 0);
}

TEST_CASE("summarize: one row per element, named with its index, Pyro's statistics") {
  // mu: 2 chains x 4 draws; pooled sorted 0 1 3 6 10 15 21 28: mean 10.5, lower median 6, the
  // 50% HPDI (k = 4) [0, 10].
  std::map<std::string, torch::Tensor> samples;
  samples["mu"] = doubles({0, 1, 3, 6, 10, 15, 21, 28}).reshape({2, 4});
  samples["theta"] = torch::randn({2, 6, 3}, generator(40), torch::kDouble);
  samples["w"] = torch::randn({3, 5, 2, 2}, generator(41), torch::kFloat);
  const std::vector<SummaryRow> rows = summarize(samples, 0.5);
  std::vector<std::string> names;
  for (const SummaryRow& row : rows) names.push_back(row.name);
  const std::vector<std::string> expected_names = {"mu",     "theta[0]", "theta[1]", "theta[2]",
                                                   "w[0,0]", "w[0,1]",   "w[1,0]",   "w[1,1]"};
  CHECK(names == expected_names);

  const SummaryRow& mu = rows[0];
  double mu_std = 0;
  for (double v : {0, 1, 3, 6, 10, 15, 21, 28}) mu_std += (v - 10.5) * (v - 10.5);
  mu_std = std::sqrt(mu_std / 7);
  CHECK(mu.mean == doctest::Approx(10.5).epsilon(1e-14));
  CHECK(mu.std == doctest::Approx(mu_std).epsilon(1e-14));
  CHECK(mu.median == 6);
  CHECK(mu.lower == 0);
  CHECK(mu.upper == 10);
  CHECK(mu.n_eff == doctest::Approx(direct_ess(chains_of(samples["mu"], 0))).epsilon(1e-10));
  CHECK(mu.r_hat ==
        doctest::Approx(split_gelman_rubin(samples["mu"]).item<double>()).epsilon(1e-14));

  // Every element of the vector and matrix sites against statistics computed directly.
  size_t row_index = 1;
  for (const std::string site : {"theta", "w"}) {
    const torch::Tensor value = samples[site];
    const int64_t elements = value.numel() / (value.size(0) * value.size(1));
    const torch::Tensor n_eff = effective_sample_size(value).reshape(-1);
    const torch::Tensor r_hat = split_gelman_rubin(value).reshape(-1);
    for (int64_t element = 0; element < elements; ++element, ++row_index) {
      const SummaryRow& row = rows[row_index];
      CAPTURE(row.name);
      std::vector<double> pooled;
      for (const auto& chain : chains_of(value, element))
        pooled.insert(pooled.end(), chain.begin(), chain.end());
      std::vector<double> sorted = pooled;
      std::sort(sorted.begin(), sorted.end());
      CHECK(row.mean == doctest::Approx(mean_of(pooled)).epsilon(1e-12));
      CHECK(row.std == doctest::Approx(std::sqrt(unbiased_variance_of(pooled))).epsilon(1e-12));
      CHECK(row.median == sorted[(sorted.size() - 1) / 2]);
      const torch::Tensor interval = hpdi(doubles(pooled), 0.5);
      CHECK(row.lower == interval[0].item<double>());
      CHECK(row.upper == interval[1].item<double>());
      CHECK(row.n_eff == doctest::Approx(n_eff[element].item<double>()).epsilon(1e-12));
      CHECK(row.r_hat == doctest::Approx(r_hat[element].item<double>()).epsilon(1e-12));
    }
  }
  CHECK(row_index == rows.size());
}

TEST_CASE("format_summary: Pyro's print_summary table") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<SummaryRow> rows = {
      {"mu", 1.0, 0.5, 1.004, -0.25, 2.126, 1234.567, 1.0},
      {"w[10,2]", -3.14159, 12345.678, 0, -100, 100, nan, 1.2345},
  };
  CHECK(format_summary(rows, 0.9) ==
        "                mean       std    median      5.0%     95.0%     n_eff     r_hat\n"
        "        mu      1.00      0.50      1.00     -0.25      2.13   1234.57      1.00\n"
        "   w[10,2]     -3.14  12345.68      0.00   -100.00    100.00       nan      1.23\n");
  // Names longer than 10 characters widen the name column; the percent labels follow prob.
  const std::string wide = format_summary({{"a_long_site[0]", 0, 1, 0, -1, 1, 100, 1}}, 0.95);
  CHECK(wide ==
        "                    mean       std    median      2.5%     97.5%     n_eff     r_hat\n"
        "a_long_site[0]      0.00      1.00      0.00     -1.00      1.00    100.00      1.00\n");
  CHECK(format_summary({}, 0.9).empty());

  // From summarize: the header and one line per row.
  std::map<std::string, torch::Tensor> samples;
  samples["theta"] = torch::randn({2, 10, 3}, generator(50), torch::kDouble);
  const std::string table = format_summary(summarize(samples, 0.8), 0.8);
  CHECK(contains(table, "     10.0%     90.0%     n_eff     r_hat\n"));
  CHECK(contains(table, "\n  theta[2] "));
  CHECK(std::count(table.begin(), table.end(), '\n') == 4);
}

TEST_CASE("bad input throws std::invalid_argument naming the function, expected and found") {
  const torch::Tensor chains = torch::randn({4, 10}, generator(60), torch::kDouble);
  auto message_contains = [](const std::function<void()>& action,
                             const std::vector<std::string>& parts) {
    const std::string message = invalid_argument_of(action);
    CAPTURE(message);
    for (const std::string& part : parts) CHECK(contains(message, part));
  };
  message_contains([&] { effective_sample_size(chains.narrow(1, 0, 1)); },
                   {"effective_sample_size:", "at least 2 draws per chain", "found 1", "(4, 1)"});
  message_contains([&] { effective_sample_size(chains[0]); },
                   {"effective_sample_size:", "(num_chains, num_draws, ...)", "found 1 dims"});
  message_contains([&] { effective_sample_size(torch::Tensor()); },
                   {"effective_sample_size:", "found an undefined tensor"});
  message_contains([&] { gelman_rubin(chains.narrow(0, 0, 1)); },
                   {"gelman_rubin:", "at least 2 chains", "found 1"});
  message_contains([&] { split_gelman_rubin(chains.narrow(1, 0, 3)); },
                   {"split_gelman_rubin:", "at least 4 draws per chain", "found 3"});
  message_contains(
      [&] {
        split_gelman_rubin(torch::zeros({4, 10, 0}));
      },
      {"split_gelman_rubin:", "non-empty", "(4, 10, 0)"});
  message_contains([&] { hpdi(chains[0], 1.0); },
                   {"hpdi:", "prob in the open interval (0, 1)", "found 1"});
  message_contains([&] { hpdi(chains[0], 0.0); }, {"hpdi:", "(0, 1)", "found 0"});
  message_contains([&] { hpdi(chains[0], std::nan("")); }, {"hpdi:", "found nan"});
  message_contains([&] { hpdi(torch::zeros({0}), 0.9); }, {"hpdi:", "non-empty", "(0)"});
  message_contains([&] { hpdi(torch::tensor(1.0), 0.9); }, {"hpdi:", "found 0 dims"});
  message_contains([&] { autocorrelation(chains[0], 1); },
                   {"autocorrelation:", "dim in [-1, 0]", "found 1"});
  message_contains([&] { autocovariance(torch::tensor(1.0)); },
                   {"autocovariance:", "found 0 dims"});
  message_contains(
      [&] {
        summarize({{"mu", chains}, {"sigma", chains.narrow(1, 0, 3)}});
      },
      {"summarize:", "site 'sigma'", "at least 4 draws per chain", "found 3"});
  message_contains([&] { summarize({{"mu", chains}}, 1.5); }, {"summarize:", "found 1.5"});
  message_contains([&] { format_summary({}, -0.1); }, {"format_summary:", "found -0.1"});
  CHECK_THROWS_AS(gelman_rubin(chains.narrow(1, 0, 1)), std::invalid_argument);
}

}  // namespace test_diagnostics
