// Continuous distributions: closed-form log-probs, sample moments, pathwise gradients, cdf/icdf,
// entropy, validation and shapes. Statistical checks use 10^5 seeded draws and a tolerance of
// 4 standard errors.

#include <doctest/doctest.h>
#include <torch/torch.h>
#include "tests/support.h"

#include "ppl/distributions/beta.h"
#include "ppl/distributions/cauchy.h"
#include "ppl/distributions/chi2.h"
#include "ppl/distributions/continuous_bernoulli.h"
#include "ppl/distributions/dirichlet.h"
#include "ppl/distributions/exponential.h"
#include "ppl/distributions/gamma.h"
#include "ppl/distributions/kl.h"
#include "ppl/distributions/laplace.h"
#include "ppl/distributions/normal.h"
#include "ppl/distributions/student_t.h"
#include "ppl/distributions/von_mises.h"

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_continuous_distributions {

namespace dist = ppl::dist;

using ppl::testing::contains;

using ppl::testing::generator;
using ppl::testing::invalid_argument_of;
using ppl::testing::ValidationScope;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);
const double kPi = 3.14159265358979323846;
const double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kDraws = 100000;

torch::Tensor f64(std::vector<double> values) {
  return torch::tensor(values, kF64);
}

/// |actual - expected| <= tol * |expected| + 1e-14 elementwise (relative, with an absolute floor
/// for values near 0), same shape.
void check_relative(const torch::Tensor& actual, const torch::Tensor& expected,
                    double tol = 1e-10) {
  INFO("actual: " << actual << "\nexpected: " << expected);
  REQUIRE(actual.sizes() == expected.sizes());
  const auto expected64 = expected.to(torch::kFloat64);
  const auto error = (actual.to(torch::kFloat64) - expected64).abs();
  CHECK((error <= tol * expected64.abs() + 1e-14).all().item<bool>());
}

/// The mean of `draws` along dim 0 lies within 4 standard errors of `expected`.
void check_mean(const torch::Tensor& draws, const torch::Tensor& expected) {
  const auto mean = draws.mean(0);
  const auto se = draws.std(0) / std::sqrt(static_cast<double>(draws.size(0)));
  INFO("sample mean: " << mean << "\nexpected: " << expected << "\nstandard error: " << se);
  CHECK(((mean - expected).abs() <= 4 * se).all().item<bool>());
}

/// The variance of `draws` along dim 0 lies within 4 standard errors of `expected` (the standard
/// error from the sample's fourth central moment).
void check_variance(const torch::Tensor& draws, const torch::Tensor& expected) {
  const double n = static_cast<double>(draws.size(0));
  const auto centered = draws - draws.mean(0);
  const auto m2 = centered.square().mean(0);
  const auto m4 = centered.pow(4).mean(0);
  const auto variance = m2 * (n / (n - 1));
  const auto se = ((m4 - m2.square()) / n).sqrt();
  INFO("sample variance: " << variance << "\nexpected: " << expected << "\nstandard error: " << se);
  CHECK(((variance - expected).abs() <= 4 * se).all().item<bool>());
}

/// mean and variance against 10^5 draws.
void check_moments(const dist::Distribution& d, uint64_t seed) {
  const auto draws = d.sample({kDraws}, generator(seed));
  check_mean(draws, d.mean());
  check_variance(draws, d.variance());
}

/// entropy against -E[log p] over 10^5 draws.
void check_entropy(const dist::Distribution& d, uint64_t seed) {
  const auto draws = d.sample({kDraws}, generator(seed));
  check_mean(-d.log_prob(draws), d.entropy());
}

/// A leaf of shape (kDraws, values.size()) holding `values` in every row, requiring grad: one
/// parameter per draw, so that its gradient is the per-draw derivative.
torch::Tensor per_draw(std::vector<double> values) {
  return f64(values).expand({kDraws, static_cast<int64_t>(values.size())}).clone().requires_grad_();
}

/// Log of the Gamma(a, b) density at x.
double gamma_log_density(double a, double b, double x) {
  return a * std::log(b) + (a - 1) * std::log(x) - b * x - std::lgamma(a);
}

double log_beta_function(double a, double b) {
  return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

}  // namespace

// --- Gamma and Chi2 ------------------------------------------------------------------------------

TEST_CASE("Gamma log_prob, cdf, mean, variance and entropy match the closed forms") {
  const dist::Gamma gamma(f64({0.5, 2, 7.5}), f64({1, 0.25, 3}));
  check_relative(gamma.log_prob(f64({0.3, 4, 2.2})),
                 f64({gamma_log_density(0.5, 1, 0.3), gamma_log_density(2, 0.25, 4),
                      gamma_log_density(7.5, 3, 2.2)}));
  check_relative(gamma.mean(), f64({0.5, 8, 2.5}));
  check_relative(gamma.variance(), f64({0.5, 32, 7.5 / 9}));
  // Entropy a - log b + lgamma(a) + (1 - a) digamma(a); digamma(2) = 1 - Euler's gamma.
  const double euler = 0.57721566490153286;
  CHECK(dist::Gamma(f64({2}), 0.25).entropy().item<double>() ==
        doctest::Approx(2 - std::log(0.25) + 0 - (1 - euler)).epsilon(1e-12));
  // cdf of Gamma(1, b) is 1 - e^(-b x), of Gamma(2, 1) is 1 - e^(-x) (1 + x).
  check_relative(dist::Gamma(1., f64({0.5, 2})).cdf(f64({3, 0.1})),
                 f64({1 - std::exp(-1.5), 1 - std::exp(-0.2)}), 1e-12);
  check_relative(dist::Gamma(2., 1.).cdf(f64({0.7})), f64({1 - std::exp(-0.7) * 1.7}), 1e-12);
}

TEST_CASE("Gamma sample moments and entropy") {
  check_moments(dist::Gamma(f64({0.5, 3, 20}), f64({2, 0.5, 4})), 11);
  check_entropy(dist::Gamma(f64({0.5, 3}), f64({2, 0.5})), 12);
}

TEST_CASE("Gamma::rsample gradients are the implicit reparameterization gradients") {
  // Per draw, dx/da = -(dF/da)(x) / p(x) with F the cdf; dF/da by central differences.
  const auto concentration = f64({0.5, 2, 10}).expand({1000, 3}).clone().requires_grad_();
  const auto rate = f64({1.5, 1.5, 1.5});
  const auto x = dist::Gamma(concentration, rate).rsample({}, generator(3));
  x.sum().backward();
  const double h = 1e-6;
  const auto xd = x.detach();
  const auto dF_da = (torch::igamma(concentration.detach() + h, rate * xd) -
                      torch::igamma(concentration.detach() - h, rate * xd)) /
                     (2 * h);
  const auto density = dist::Gamma(concentration.detach(), rate).log_prob(xd).exp();
  const auto expected = -dF_da / density;
  const auto relative_error = ((concentration.grad() - expected) / expected).abs();
  INFO("largest relative error: " << relative_error.max());
  CHECK(relative_error.max().item<double>() < 1e-3);

  // E[dx/da] = d/da E[x] = 1 / rate, E[dx/drate] = -a / rate^2 (and exactly -x / rate per draw).
  const auto a = per_draw({0.5, 3});
  const auto b = per_draw({2, 0.5});
  const auto draws = dist::Gamma(a, b).rsample({}, generator(4));
  draws.sum().backward();
  check_mean(a.grad(), f64({0.5, 2}));
  check_mean(b.grad(), f64({-0.5 / 4, -3 / 0.25}));
  check_relative(b.grad(), -draws.detach() / b.detach(), 1e-12);
}

TEST_CASE("Gamma::rsample stays positive for tiny concentrations") {
  const auto draws = dist::Gamma(torch::full({10000}, 1e-3), 10.).rsample({}, generator(5));
  CHECK(draws.dtype() == torch::kFloat32);
  CHECK(draws.min().item<float>() >= std::numeric_limits<float>::min());
}

TEST_CASE("Chi2 is Gamma(df / 2, 1 / 2)") {
  const dist::Chi2 chi2(f64({1, 4, 9}));
  CHECK(chi2.name() == "Chi2");
  check_relative(chi2.df(), f64({1, 4, 9}));
  // Density x^(k/2 - 1) e^(-x/2) / (2^(k/2) Gamma(k/2)).
  auto density = [](double k, double x) {
    return (k / 2 - 1) * std::log(x) - x / 2 - k / 2 * std::log(2.0) - std::lgamma(k / 2);
  };
  check_relative(chi2.log_prob(f64({0.5, 3, 12})),
                 f64({density(1, 0.5), density(4, 3), density(9, 12)}));
  check_relative(chi2.mean(), f64({1, 4, 9}));
  check_relative(chi2.variance(), f64({2, 8, 18}));
  check_moments(chi2, 21);

  // d/d df E[x] = 1.
  const auto df = per_draw({3});
  dist::Chi2(df).rsample({}, generator(22)).sum().backward();
  check_mean(df.grad(), f64({1}));

  CHECK(dist::Chi2(3).df().dtype() == torch::get_default_dtype());
  const auto expanded = chi2.expand({2, 3});
  const auto as_chi2 = std::dynamic_pointer_cast<const dist::Chi2>(expanded.ptr());
  REQUIRE(as_chi2);
  CHECK(as_chi2->df().sizes() == torch::IntArrayRef{2, 3});
  CHECK(as_chi2->rate().sizes() == torch::IntArrayRef{2, 3});
  CHECK(expanded->log_prob(torch::ones({2, 3}, kF64)).sizes() == torch::IntArrayRef{2, 3});
  CHECK(chi2.clone()->name() == "Chi2");
  CHECK(chi2.arg_constraints().size() == 1);
  CHECK(invalid_argument_of([] {
          dist::Chi2(f64({1, -2}));
        }) == "Chi2: argument 'df' must be positive, found -2 (at index 1)");
}

// --- Exponential ---------------------------------------------------------------------------------

TEST_CASE("Exponential log_prob, moments, cdf/icdf, entropy and gradients") {
  const dist::Exponential exponential(f64({0.5, 2}));
  check_relative(exponential.log_prob(f64({3, 0.25})),
                 f64({std::log(0.5) - 1.5, std::log(2.0) - 0.5}));
  check_relative(exponential.mean(), f64({2, 0.5}));
  check_relative(exponential.variance(), f64({4, 0.25}));
  check_relative(exponential.entropy(), f64({1 - std::log(0.5), 1 - std::log(2.0)}));
  check_moments(exponential, 31);
  check_entropy(exponential, 32);

  const auto value = f64({3, 0.25});
  const auto cdf = exponential.cdf(value);
  check_relative(cdf, f64({1 - std::exp(-1.5), 1 - std::exp(-0.5)}), 1e-12);
  check_relative(exponential.icdf(cdf), value, 1e-12);

  // x = e / rate: dx/drate = -x / rate per draw.
  const auto rate = per_draw({0.5, 2});
  const auto x = dist::Exponential(rate).rsample({}, generator(33));
  x.sum().backward();
  check_relative(rate.grad(), -x.detach() / rate.detach(), 1e-12);
  check_mean(rate.grad(), f64({-4, -0.25}));

  CHECK(invalid_argument_of([] {
          dist::Exponential(f64({1, 0}));
        }) == "Exponential: argument 'rate' must be positive, found 0 (at index 1)");
  CHECK(contains(invalid_argument_of([&] {
                   exponential.log_prob(f64({-1, 1}));
                 }),
                 "Exponential: value out of support"));
}

// --- Beta and Dirichlet --------------------------------------------------------------------------

TEST_CASE("Beta log_prob, mean, variance and entropy") {
  const dist::Beta beta(f64({2, 0.5, 1}), f64({3, 0.5, 1}));
  auto log_density = [](double a, double b, double x) {
    return (a - 1) * std::log(x) + (b - 1) * std::log1p(-x) - log_beta_function(a, b);
  };
  check_relative(beta.log_prob(f64({0.3, 0.9, 0.42})),
                 f64({log_density(2, 3, 0.3), log_density(0.5, 0.5, 0.9), 0}), 1e-10);
  check_relative(beta.mean(), f64({0.4, 0.5, 0.5}));
  check_relative(beta.variance(), f64({6.0 / (25 * 6), 0.25 / 2, 1.0 / 12}));
  // Beta(1, 1) is uniform: entropy 0.
  CHECK(beta.entropy()[2].item<double>() == doctest::Approx(0).epsilon(1e-12));
  check_moments(beta, 41);
  check_entropy(beta, 42);
}

TEST_CASE("Beta::rsample is differentiable in both concentrations") {
  // E[x] = a / (a + b): d/da = b / (a + b)^2, d/db = -a / (a + b)^2.
  const auto a = per_draw({2, 0.5});
  const auto b = per_draw({3, 4});
  const auto x = dist::Beta(a, b).rsample({}, generator(43));
  CHECK(x.sizes() == torch::IntArrayRef{kDraws, 2});
  x.sum().backward();
  check_mean(a.grad(), f64({3.0 / 25, 4 / 20.25}));
  check_mean(b.grad(), f64({-2.0 / 25, -0.5 / 20.25}));

  // Tiny concentrations: both gammas at float32's smallest normal value keep the ratio defined.
  const auto tiny = dist::Beta(torch::full({10000}, 1e-3), 1e-3).rsample({}, generator(44));
  CHECK(tiny.dtype() == torch::kFloat32);
  CHECK(((tiny >= 0) & (tiny <= 1)).all().item<bool>());
}

TEST_CASE("Beta takes numbers and validates its arguments and support") {
  const dist::Beta numbers(10., 10.);
  CHECK(numbers.concentration1().dtype() == torch::get_default_dtype());
  CHECK(numbers.sample({3}).dtype() == torch::get_default_dtype());
  CHECK(dist::Beta(f64({2}), 3.).concentration0().dtype() == torch::kFloat64);
  CHECK(invalid_argument_of([] {
          dist::Beta(f64({1, 2, 3, -1}), 1.);
        }) == "Beta: argument 'concentration1' must be positive, found -1 (at index 3)");
  CHECK(contains(invalid_argument_of([] { dist::Beta(1., f64({0})); }),
                 "Beta: argument 'concentration0' must be positive, found 0"));
  CHECK(contains(invalid_argument_of([&] { numbers.log_prob(torch::tensor(1.5)); }),
                 "Beta: value out of support unit_interval"));
  const ValidationScope off(false);
  CHECK(invalid_argument_of([] { dist::Beta(-1., 1.); }).empty());
}

TEST_CASE("Dirichlet log_prob, moments and entropy") {
  const auto concentration = f64({2, 3, 0.5, 1, 1, 1}).reshape({2, 3});
  const dist::Dirichlet dirichlet(concentration);
  CHECK(dirichlet.batch_shape() == dist::Shape{2});
  CHECK(dirichlet.event_shape() == dist::Shape{3});
  const auto value = f64({0.2, 0.5, 0.3, 0.1, 0.6, 0.3}).reshape({2, 3});
  const double first = std::lgamma(5.5) - std::lgamma(2) - std::lgamma(3) - std::lgamma(0.5) +
                       std::log(0.2) + 2 * std::log(0.5) - 0.5 * std::log(0.3);
  check_relative(dirichlet.log_prob(value), f64({first, std::lgamma(3.0)}));
  check_relative(dirichlet.mean(), concentration / concentration.sum(-1, true));
  check_relative(dirichlet.variance()[1], f64({2.0 / 36, 2.0 / 36, 2.0 / 36}));
  // Dirichlet(1, 1, 1) is uniform on the simplex of area 1/2: entropy -log 2.
  CHECK(dirichlet.entropy()[1].item<double>() == doctest::Approx(-std::log(2.0)).epsilon(1e-12));

  const auto draws = dirichlet.sample({kDraws}, generator(51));
  check_relative(draws.sum(-1), torch::ones({kDraws, 2}, kF64), 1e-12);
  check_mean(draws, dirichlet.mean());
  check_variance(draws, dirichlet.variance());
  check_entropy(dirichlet, 52);
}

TEST_CASE("Dirichlet::rsample is differentiable in the concentration") {
  // E[x_0] = a_0 / a_sum: d/da_0 = (a_sum - a_0) / a_sum^2, d/da_j = -a_0 / a_sum^2.
  const auto concentration = per_draw({2, 3, 0.5});
  const auto x = dist::Dirichlet(concentration).rsample({}, generator(53));
  x.select(-1, 0).sum().backward();
  check_mean(concentration.grad(), f64({3.5 / 30.25, -2 / 30.25, -2 / 30.25}));
}

TEST_CASE("Dirichlet validates its concentration and the simplex") {
  CHECK(contains(invalid_argument_of([] { dist::Dirichlet(torch::tensor(1.0)); }),
                 "at least one-dimensional"));
  CHECK(contains(invalid_argument_of([] {
                   dist::Dirichlet(f64({1, -1}));
                 }),
                 "Dirichlet: argument 'concentration' must be"));
  const dist::Dirichlet dirichlet(f64({1, 2}));
  CHECK(contains(invalid_argument_of([&] {
                   dirichlet.log_prob(f64({0.5, 0.6}));
                 }),
                 "Dirichlet: value out of support simplex"));
  CHECK(contains(invalid_argument_of([&] {
                   dirichlet.log_prob(f64({0.5, 0.2, 0.3}));
                 }),
                 "does not fit"));
}

// --- Laplace, Cauchy and StudentT ----------------------------------------------------------------

TEST_CASE("Laplace log_prob, moments, cdf/icdf, entropy and gradients") {
  const dist::Laplace laplace(f64({0, 1}), f64({1, 2}));
  check_relative(laplace.log_prob(f64({-1.5, 4})),
                 f64({-1.5 - std::log(2.0), -1.5 - std::log(4.0)}));
  check_relative(laplace.variance(), f64({2, 8}));
  check_relative(laplace.entropy(), f64({1 + std::log(2.0), 1 + std::log(4.0)}));
  check_moments(laplace, 61);
  check_entropy(laplace, 62);

  const auto value = f64({-1.5, 4});
  const auto cdf = laplace.cdf(value);
  check_relative(cdf, f64({0.5 * std::exp(-1.5), 1 - 0.5 * std::exp(-1.5)}), 1e-12);
  check_relative(laplace.icdf(cdf), value, 1e-12);

  const auto loc = per_draw({0, 1});
  const auto scale = per_draw({1, 2});
  const auto x = dist::Laplace(loc, scale).rsample({}, generator(63));
  x.sum().backward();
  check_relative(loc.grad(), torch::ones_like(x), 1e-12);
  check_relative(scale.grad(), (x.detach() - loc.detach()) / scale.detach(), 1e-12);
  CHECK(invalid_argument_of([] { dist::Laplace(0., -1.); }) ==
        "Laplace: argument 'scale' must be positive, found -1");
}

TEST_CASE("Cauchy log_prob, undefined moments, cdf/icdf, entropy and gradients") {
  const dist::Cauchy cauchy(f64({0, 1}), f64({1, 2}));
  check_relative(cauchy.log_prob(f64({1, -3})),
                 f64({-std::log(kPi) - std::log(2.0), -std::log(2 * kPi) - std::log(5.0)}));
  CHECK(torch::isnan(cauchy.mean()).all().item<bool>());
  CHECK((cauchy.variance() == kInf).all().item<bool>());
  check_relative(cauchy.entropy(), f64({std::log(4 * kPi), std::log(8 * kPi)}));
  check_entropy(cauchy, 71);

  const auto value = f64({1, -3});
  const auto cdf = cauchy.cdf(value);
  check_relative(cdf, f64({0.75, 0.5 - std::atan(2.0) / kPi}), 1e-12);
  check_relative(cauchy.icdf(cdf), value, 1e-12);
  // The draws' quartiles: P(x <= loc + scale) = 3/4.
  const auto draws = cauchy.sample({kDraws}, generator(72));
  check_mean((draws <= cauchy.loc() + cauchy.scale()).to(torch::kFloat64), f64({0.75, 0.75}));

  const auto loc = per_draw({0});
  const auto scale = per_draw({2});
  const auto x = dist::Cauchy(loc, scale).rsample({}, generator(73));
  x.sum().backward();
  check_relative(scale.grad(), (x.detach() - loc.detach()) / scale.detach(), 1e-12);
  check_relative(loc.grad(), torch::ones_like(x), 1e-12);
}

TEST_CASE("StudentT log_prob, moments, entropy and gradients") {
  const dist::StudentT t(f64({10, 3, 1.5, 1}), f64({0, 1, 0, -2}), f64({1, 2, 1, 0.5}));
  auto log_density = [](double df, double loc, double scale, double x) {
    const double y = (x - loc) / scale;
    return std::lgamma((df + 1) / 2) - std::lgamma(df / 2) - 0.5 * std::log(df * kPi) -
           std::log(scale) - (df + 1) / 2 * std::log1p(y * y / df);
  };
  check_relative(t.log_prob(f64({0.7, -2, 3, -1})),
                 f64({log_density(10, 0, 1, 0.7), log_density(3, 1, 2, -2),
                      log_density(1.5, 0, 1, 3), log_density(1, -2, 0.5, -1)}));
  // mean: loc where df > 1; variance: scale^2 df / (df - 2), inf for 1 < df <= 2, NaN for df <= 1.
  const auto mean = t.mean();
  check_relative(mean.slice(0, 0, 3), f64({0, 1, 0}));
  CHECK(std::isnan(mean[3].item<double>()));
  const auto variance = t.variance();
  check_relative(variance.slice(0, 0, 2), f64({1.25, 12}));
  CHECK(variance[2].item<double>() == kInf);
  CHECK(std::isnan(variance[3].item<double>()));
  // StudentT(1) is Cauchy: entropy log(4 pi scale).
  CHECK(t.entropy()[3].item<double>() == doctest::Approx(std::log(2 * kPi)).epsilon(1e-12));

  check_moments(dist::StudentT(f64({10, 12}), f64({0, 1}), f64({1, 2})), 81);
  check_entropy(dist::StudentT(f64({10, 3, 1}), 0.5, 2.), 82);
}

TEST_CASE("StudentT::rsample is differentiable in df, loc and scale") {
  const auto df = per_draw({10});
  const auto loc = per_draw({1});
  const auto scale = per_draw({2});
  const auto x = dist::StudentT(df, loc, scale).rsample({}, generator(83));
  x.sum().backward();
  check_relative(loc.grad(), torch::ones_like(x), 1e-12);
  check_relative(scale.grad(), (x.detach() - 1) / 2, 1e-10);
  // E[(x - loc)^2] = scale^2 df / (df - 2): d/d df = -2 scale^2 / (df - 2)^2.
  df.mutable_grad().reset();
  const auto y = dist::StudentT(df, 0., 2.).rsample({}, generator(84));
  y.square().sum().backward();
  check_mean(df.grad(), f64({-8.0 / 64}));
}

// --- VonMises ------------------------------------------------------------------------------------

TEST_CASE("VonMises log_prob, circular moments and entropy") {
  const auto concentration = f64({1e-6, 0.5, 4, 50});
  const dist::VonMises von_mises(f64({0, 1, -3, 2.5}), concentration);
  const auto value = f64({0.3, -2, 3, 2.4});
  std::vector<double> expected, one_minus_variance, entropy;
  for (int64_t i = 0; i < 4; ++i) {
    const double k = concentration[i].item<double>();
    const double loc = von_mises.loc()[i].item<double>();
    const double i0 = std::cyl_bessel_i(0.0, k), i1 = std::cyl_bessel_i(1.0, k);
    expected.push_back(k * std::cos(value[i].item<double>() - loc) - std::log(2 * kPi * i0));
    one_minus_variance.push_back(i1 / i0);
    entropy.push_back(std::log(2 * kPi * i0) - k * i1 / i0);
  }
  check_relative(von_mises.log_prob(value), f64(expected), 1e-10);
  check_relative(von_mises.variance(), 1 - f64(one_minus_variance), 1e-10);
  check_relative(von_mises.entropy(), f64(entropy), 1e-10);
  check_relative(von_mises.mean(), von_mises.loc());

  // Draws in [-pi, pi) with E[cos(x - loc)] = I1 / I0 and E[sin(x - loc)] = 0.
  CHECK(!von_mises.has_rsample());
  const auto draws = von_mises.sample({kDraws}, generator(91));
  CHECK(draws.sizes() == torch::IntArrayRef{kDraws, 4});
  CHECK((draws >= -kPi).all().item<bool>());
  CHECK((draws < kPi).all().item<bool>());
  check_mean(torch::cos(draws - von_mises.loc()), 1 - von_mises.variance());
  check_mean(torch::sin(draws - von_mises.loc()), torch::zeros({4}, kF64));
  check_entropy(von_mises, 92);
  CHECK(dist::VonMises(0.f, 1.f).sample({3}).dtype() == torch::get_default_dtype());
}

TEST_CASE("VonMises log_prob is differentiable in the concentration") {
  // d/dk log p = cos(x - loc) - I1(k) / I0(k).
  const auto k = f64({0.5, 4, 50}).requires_grad_();
  const auto value = f64({0.3, -1, 0.1});
  dist::VonMises(0., k).log_prob(value).sum().backward();
  const auto kd = k.detach();
  check_relative(k.grad(), torch::cos(value) - torch::special_i1e(kd) / torch::special_i0e(kd),
                 1e-8);
  CHECK(contains(invalid_argument_of([] {
                   dist::VonMises(0., f64({1, -1}));
                 }),
                 "VonMises: argument 'concentration' must be positive"));
}

// --- ContinuousBernoulli -------------------------------------------------------------------------

TEST_CASE("ContinuousBernoulli log_prob matches the normalized density on both sides of 1/2") {
  // C(p) = 2 atanh(1 - 2p) / (1 - 2p), and 2 at p = 1/2.
  const std::vector<double> probs{0.1, 0.3, 0.49, 0.4999, 0.5, 0.5005, 0.7, 0.95};
  const std::vector<double> values{0.2, 0.9, 0.5, 0.1, 0.7, 1.0, 0.0, 0.6};
  std::vector<double> expected;
  for (size_t i = 0; i < probs.size(); ++i) {
    const double p = probs[i], x = values[i];
    const double log_c =
        p == 0.5 ? std::log(2.0) : std::log(2 * std::atanh(1 - 2 * p) / (1 - 2 * p));
    expected.push_back(log_c + x * std::log(p) + (1 - x) * std::log1p(-p));
  }
  const dist::ContinuousBernoulli cb(f64(probs));
  check_relative(cb.log_prob(f64(values)), f64(expected), 1e-10);
  const auto logits = torch::logit(f64(probs));
  check_relative(dist::ContinuousBernoulli::from_logits(logits).log_prob(f64(values)),
                 f64(expected), 1e-10);
  check_relative(cb.logits(), logits, 1e-10);
}

TEST_CASE("ContinuousBernoulli moments, entropy, cdf/icdf and reparameterized gradients") {
  const dist::ContinuousBernoulli cb(f64({0.05, 0.3, 0.5, 0.5004, 0.8}));
  check_moments(cb, 101);
  check_entropy(cb, 102);
  // At p = 1/2 it is uniform.
  CHECK(cb.mean()[2].item<double>() == 0.5);
  CHECK(cb.variance()[2].item<double>() == doctest::Approx(1.0 / 12).epsilon(1e-12));
  CHECK(cb.entropy()[2].item<double>() == doctest::Approx(0).epsilon(1e-12));

  const auto value = f64({0.1, 0.6, 0.3, 0.5, 0.95});
  const auto cdf = cb.cdf(value);
  check_relative(cb.icdf(cdf), value, 1e-10);
  // cdf(x) = (p^x (1-p)^(1-x) + p - 1) / (2p - 1).
  const double p = 0.3, x = 0.6;
  CHECK(cdf[1].item<double>() ==
        doctest::Approx((std::pow(p, x) * std::pow(1 - p, 1 - x) + p - 1) / (2 * p - 1))
            .epsilon(1e-12));
  const dist::ContinuousBernoulli unchecked(cb.probs(), {0.499, 0.501}, /*validate_args=*/false);
  check_relative(unchecked.cdf(f64({-0.5, 0, 0, 1, 2})), f64({0, 0, 0, 1, 1}));

  // Pathwise gradient against central differences with common random numbers.
  const auto probs = f64({0.05, 0.3, 0.8}).expand({1000, 3}).clone().requires_grad_();
  dist::ContinuousBernoulli(probs).rsample({}, generator(103)).sum().backward();
  const double h = 1e-6;
  const auto plus = dist::ContinuousBernoulli(probs.detach() + h).rsample({}, generator(103));
  const auto minus = dist::ContinuousBernoulli(probs.detach() - h).rsample({}, generator(103));
  check_relative(probs.grad(), (plus - minus) / (2 * h), 1e-5);

  CHECK(contains(invalid_argument_of([] {
                   dist::ContinuousBernoulli(f64({0.5, 1.5}));
                 }),
                 "ContinuousBernoulli: argument 'probs' must be unit_interval, found 1.5"));
  CHECK(contains(invalid_argument_of([&] {
                   cb.log_prob(f64({0, 0, 0, 0, 1.5}));
                 }),
                 "value out of support"));
  CHECK(dist::ContinuousBernoulli(0.3).rsample({2}).dtype() == torch::get_default_dtype());
}

// --- Shapes --------------------------------------------------------------------------------------

TEST_CASE("expand, to_event and sample_shape give the documented shapes") {
  const auto b = f64({1, 2, 3});
  const std::vector<std::shared_ptr<const dist::Distribution>> all{
      std::make_shared<dist::Gamma>(b, 2.),
      std::make_shared<dist::Chi2>(b),
      std::make_shared<dist::Exponential>(b),
      std::make_shared<dist::Beta>(b, b),
      std::make_shared<dist::Dirichlet>(torch::ones({3, 4}, kF64)),
      std::make_shared<dist::Laplace>(b, b),
      std::make_shared<dist::Cauchy>(b, 1.),
      std::make_shared<dist::StudentT>(b, 0., b),
      std::make_shared<dist::VonMises>(b, b),
      std::make_shared<dist::ContinuousBernoulli>(b / 4)};
  for (const auto& d : all) {
    INFO(d->name());
    const dist::Shape event = d->event_shape();
    CHECK(d->batch_shape() == dist::Shape{3});
    const auto expanded = d->expand({2, 3});
    CHECK(expanded->name() == d->name());
    CHECK(expanded->batch_shape() == dist::Shape{2, 3});
    CHECK(expanded->event_shape() == event);
    auto sample_shape = dist::Shape{5, 2, 3};
    sample_shape.insert(sample_shape.end(), event.begin(), event.end());
    const auto draws = expanded->sample({5}, generator(111));
    CHECK(draws.sizes() == torch::IntArrayRef(sample_shape));
    CHECK(expanded->log_prob(draws).sizes() == torch::IntArrayRef{5, 2, 3});
    if (d->has_rsample()) CHECK(expanded->rsample({5}).sizes() == torch::IntArrayRef(sample_shape));
    const auto independent = d->to_event(1);
    CHECK(independent.batch_shape().empty());
    CHECK(independent.event_dim() == static_cast<int64_t>(event.size()) + 1);
    CHECK(independent.log_prob(d->sample({7})).sizes() == torch::IntArrayRef{7});
    CHECK(d->entropy().sizes() == torch::IntArrayRef{3});
  }
}

TEST_CASE("numbers as arguments take the tensors' options, else the default dtype") {
  CHECK(dist::Gamma(f64({1, 2}), 2.0).rate().dtype() == torch::kFloat64);
  CHECK(dist::Gamma(2.0, 3.0).concentration().dtype() == torch::get_default_dtype());
  CHECK(dist::StudentT(f64({3}), 0., 1.).scale().dtype() == torch::kFloat64);
  CHECK(dist::Laplace(0., f64({1, 2})).loc().sizes() == torch::IntArrayRef{2});
  CHECK(dist::Exponential(2).rate().dtype() == torch::get_default_dtype());
  CHECK(dist::Cauchy(torch::zeros({2}, kF64), 1).scale().dtype() == torch::kFloat64);
}

TEST_CASE("validation names the distribution, the argument and the first bad value") {
  CHECK(invalid_argument_of([] {
          dist::Gamma(f64({1, -1}), 1.);
        }) == "Gamma: argument 'concentration' must be positive, found -1 (at index 1)");
  CHECK(invalid_argument_of([] {
          dist::Gamma(1., f64({2, 0}));
        }) == "Gamma: argument 'rate' must be positive, found 0 (at index 1)");
  CHECK(contains(invalid_argument_of([] { dist::Gamma(1., 1.).log_prob(torch::tensor(-1.0)); }),
                 "Gamma: value out of support nonnegative"));
  CHECK(invalid_argument_of([] { dist::StudentT(f64({-3})); }) ==
        "StudentT: argument 'df' must be positive, found -3 (at index 0)");
  CHECK(contains(invalid_argument_of([] { dist::StudentT(3., f64({NAN}), 1.); }),
                 "StudentT: argument 'loc' must be real"));
  CHECK(contains(invalid_argument_of([] {
                   dist::Cauchy(0., f64({1, -2}));
                 }),
                 "Cauchy: argument 'scale' must be positive, found -2"));
  CHECK(contains(invalid_argument_of([] { dist::ContinuousBernoulli::from_logits(f64({NAN})); }),
                 "ContinuousBernoulli: argument 'logits' must be real"));
  CHECK(contains(invalid_argument_of([] {
                   dist::Beta(f64({1, 2}), f64({1, 2, 3}));
                 }),
                 "(2) and (3)"));
  const ValidationScope off(false);
  CHECK(invalid_argument_of([] { dist::Gamma(-1., -1.).log_prob(torch::tensor(-1.0)); }).empty());
  CHECK(invalid_argument_of([] { dist::ContinuousBernoulli(2.); }).empty());
}

TEST_CASE("Normal's log_prob has second derivatives: a Hessian through it is exact") {
  const auto value = torch::tensor({0.3, -1.2}, torch::kDouble).requires_grad_();
  const auto loc = torch::tensor({0.5, 0.1}, torch::kDouble).requires_grad_();
  const auto scale = torch::tensor({2.0, 0.5}, torch::kDouble).requires_grad_();
  for (const auto& v : {value, value.expand({3, 2})}) {  // the small and the large path
    const auto log_prob = ppl::dist::Normal(loc, scale).log_prob(v).sum();
    const auto grad = torch::autograd::grad({log_prob}, {value}, {}, true, true)[0];
    const auto second = torch::autograd::grad({grad.sum()}, {value, scale}, {}, true)[0];
    // d2/dvalue2 = -n / scale^2 (n copies of value).
    const double copies = static_cast<double>(v.numel() / value.numel());
    CHECK(second.allclose(-copies / scale.detach().pow(2)));
    const auto mixed = torch::autograd::grad({grad.sum()}, {scale})[0];
    // d2/dvalue dscale = 2 n (value - loc) / scale^3.
    CHECK(mixed.allclose(2 * copies * (value - loc).detach() / scale.detach().pow(3)));
  }
}

TEST_CASE("Normal's log_prob broadcasts a single value, loc or scale; gradients as by formula") {
  // What an enumerated chain asks at every step: one observation against a batch of locs and
  // one scale (0-dim, or expanded to the batch by Normal itself).
  const auto value = torch::tensor(0.3, torch::kDouble).requires_grad_();
  const auto loc = torch::tensor({{0.5, -1.0, 2.0}}, torch::kDouble).requires_grad_();
  const auto scale = torch::tensor(0.7, torch::kDouble).requires_grad_();
  const auto weights = torch::tensor({{1.0, -2.0, 0.5}}, torch::kDouble);
  const auto log_prob = ppl::dist::Normal(loc, scale).log_prob(value);
  REQUIRE(log_prob.sizes() == loc.sizes());
  const auto z = (value - loc) / scale;
  const auto expected = -0.5 * z * z - scale.log() - 0.5 * std::log(2 * M_PI);
  CHECK(log_prob.allclose(expected, 1e-14, 1e-14));
  const auto grads = torch::autograd::grad({(log_prob * weights).sum()}, {value, loc, scale});
  const auto reference = torch::autograd::grad({(expected * weights).sum()}, {value, loc, scale});
  for (size_t i = 0; i < grads.size(); ++i) {
    CAPTURE(i);
    CHECK(grads[i].sizes() == reference[i].sizes());
    CHECK(grads[i].allclose(reference[i], 1e-14, 1e-14));
  }
}

TEST_CASE("Normal::from_log_scale is Normal(loc, exp(log_scale)), gradients included") {
  const auto value = f64({0.3, -1.2, 4.0}).requires_grad_();
  const auto loc = f64({0.5, 0.1, -1.0}).requires_grad_();
  const auto log_scale = f64({0.7, -0.4, 2.0}).requires_grad_();
  const auto by_log = dist::Normal::from_log_scale(loc, log_scale);
  const dist::Normal by_scale(loc, log_scale.exp());
  CHECK(by_log.has_log_scale());
  CHECK_FALSE(by_scale.has_log_scale());
  CHECK(torch::equal(by_log.log_scale(), log_scale));
  check_relative(by_log.scale(), by_scale.scale(), 1e-15);
  check_relative(by_log.entropy(), by_scale.entropy(), 1e-14);
  check_relative(by_log.variance(), by_scale.variance(), 1e-14);
  check_relative(by_log.cdf(value), by_scale.cdf(value), 1e-14);
  check_relative(by_log.icdf(f64({0.1, 0.5, 0.9})), by_scale.icdf(f64({0.1, 0.5, 0.9})), 1e-14);
  CHECK(torch::equal(by_log.rsample({2}, generator(3)), by_scale.rsample({2}, generator(3))));

  // log_prob and its first and second derivatives in value, loc and log_scale.
  const auto weights = f64({1.0, -2.0, 0.5});
  const auto lp_log = by_log.log_prob(value), lp_scale = by_scale.log_prob(value);
  check_relative(lp_log, lp_scale, 1e-14);
  const auto g_log =
      torch::autograd::grad({(lp_log * weights).sum()}, {value, loc, log_scale}, {}, true, true);
  const auto g_scale =
      torch::autograd::grad({(lp_scale * weights).sum()}, {value, loc, log_scale}, {}, true, true);
  for (size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    check_relative(g_log[i], g_scale[i], 1e-13);
    const auto h_log = torch::autograd::grad({g_log[i].sum()}, {value, loc, log_scale}, {}, true);
    const auto h_scale =
        torch::autograd::grad({g_scale[i].sum()}, {value, loc, log_scale}, {}, true);
    for (size_t j = 0; j < 3; ++j) check_relative(h_log[j], h_scale[j], 1e-12);
  }

  // The Normal-Normal KL, with either side or both from a log-scale.
  const dist::Normal prior(f64({0.0, 1.0, -2.0}), f64({1.0, 0.5, 3.0}));
  const auto prior_by_log = dist::Normal::from_log_scale(prior.loc(), prior.scale().log());
  const auto expected = dist::kl_divergence(by_scale, prior);
  check_relative(dist::kl_divergence(by_log, prior), expected, 1e-13);
  check_relative(dist::kl_divergence(by_log, prior_by_log), expected, 1e-13);
  check_relative(dist::kl_divergence(prior_by_log, by_scale), dist::kl_divergence(prior, by_scale),
                 1e-13);

  // expand keeps the log-scale.
  const auto expanded = std::dynamic_pointer_cast<const dist::Normal>(by_log.expand_ptr({2, 3}));
  REQUIRE(expanded);
  CHECK(expanded->has_log_scale());
  CHECK(expanded->log_scale().sizes() == torch::IntArrayRef({2, 3}));
  check_relative(expanded->log_prob(value), lp_scale.expand({2, 3}), 1e-14);
}

TEST_CASE("Normal::from_log_scale stays finite where the scale's reciprocal overflows") {
  // A float32 log-scale of -60 (scale 8.8e-27) and a value 1e-19 from loc: z = 1.1e7. Through
  // the scale, d log_prob / d scale = (z^2 - 1) / scale overflows float32; through the
  // log-scale, the gradient is z^2 - 1 = 1.3e14.
  const auto value = torch::tensor({1e-19F, 0.0F});
  const auto loc = torch::zeros({2});
  const auto log_scale = torch::tensor({-60.0F, -60.0F}).requires_grad_();
  const auto log_prob = dist::Normal::from_log_scale(loc, log_scale).log_prob(value);
  const auto grad = torch::autograd::grad({log_prob.sum()}, {log_scale})[0];
  const auto z = value.to(torch::kDouble) * std::exp(60.0);
  check_relative(log_prob, -0.5 * z.square() + 60 - 0.5 * std::log(2 * kPi), 1e-6);
  check_relative(grad, z.square() - 1, 1e-6);

  const auto through_scale = dist::Normal(loc, log_scale.exp()).log_prob(value);
  const auto grad_through_scale = torch::autograd::grad({through_scale.sum()}, {log_scale})[0];
  CHECK_FALSE(grad_through_scale.isfinite().all().item<bool>());
}

TEST_CASE("Normal::from_log_scale validates loc and log_scale, not an underflowing scale") {
  const ValidationScope on(true);
  CHECK(contains(invalid_argument_of([] {
                   dist::Normal::from_log_scale(0.0, torch::tensor({0.0, std::nan("")}));
                 }),
                 "Normal: argument 'log_scale' must be real"));
  CHECK(contains(
      invalid_argument_of([] { dist::Normal::from_log_scale(torch::ones(2), torch::ones(3)); }),
      "Normal: loc and log_scale"));
  // exp(-200) is 0 in float32: the scale underflows, the distribution is still well defined.
  const auto tight = dist::Normal::from_log_scale(0.0F, torch::tensor(-200.0F));
  CHECK(tight.scale().item<float>() == 0);
  CHECK(tight.entropy().item<float>() < -190);
}

}  // namespace test_continuous_distributions
