// Discrete and relaxed distributions: log-probs against the mass functions, normalization,
// sample moments, pathwise gradients, validation, shapes and enumerate_support.

#include <doctest/doctest.h>
#include <torch/torch.h>
#include "tests/support.h"

#include "ppl/distributions/bernoulli.h"
#include "ppl/distributions/binomial.h"
#include "ppl/distributions/categorical.h"
#include "ppl/distributions/finfo.h"
#include "ppl/distributions/geometric.h"
#include "ppl/distributions/multinomial.h"
#include "ppl/distributions/negative_binomial.h"
#include "ppl/distributions/one_hot_categorical.h"
#include "ppl/distributions/poisson.h"
#include "ppl/distributions/relaxed_bernoulli.h"
#include "ppl/distributions/relaxed_one_hot_categorical.h"
#include "ppl/distributions/zero_inflated_poisson.h"

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_discrete_distributions {

namespace dist = ppl::dist;

using ppl::testing::contains;

using ppl::testing::generator;
using ppl::testing::invalid_argument_of;
using ppl::testing::ValidationScope;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);
constexpr int64_t kDraws = 100000;

torch::Tensor f64(std::vector<double> values) {
  return torch::tensor(values, kF64);
}

/// Relative error at most `tolerance` (absolute near 0).
void check_close(const torch::Tensor& actual, const torch::Tensor& expected,
                 double tolerance = 1e-10) {
  INFO("actual: " << actual << "\nexpected: " << expected);
  REQUIRE(actual.sizes() == expected.sizes());
  CHECK(torch::allclose(actual, expected.to(actual.dtype()), tolerance, 1e-13));
}

double log_choose(double n, double k) {
  return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1);
}

/// 10^5 seeded draws: their mean and variance (per batch element) lie within 4 standard errors
/// of mean() and variance(); the standard error of the variance uses the fourth central moment.
void check_moments(const dist::Distribution& d, uint64_t seed = 1) {
  const auto draws = d.sample({kDraws}, generator(seed)).to(torch::kFloat64);
  const auto mean = d.mean().to(torch::kFloat64), variance = d.variance().to(torch::kFloat64);
  const auto sample_mean = draws.mean(0);
  const auto centered = draws - sample_mean;
  const auto sample_variance = centered.square().mean(0);
  const auto fourth_moment = centered.pow(4).mean(0);
  const auto mean_error = (sample_mean - mean).abs() / (variance / kDraws).sqrt();
  const auto variance_error = (sample_variance - variance).abs() /
                              ((fourth_moment - sample_variance.square()) / kDraws).sqrt();
  INFO(d.name() << " mean " << mean << " sample mean " << sample_mean << "\nvariance " << variance
                << " sample variance " << sample_variance);
  CHECK(mean_error.max().item<double>() < 4);
  CHECK(variance_error.max().item<double>() < 4);
}

/// exp(log_prob) summed over 0..last along a new leftmost dim is 1 in every batch element.
void check_normalized(const dist::Distribution& d, int64_t last, double tolerance = 1e-10) {
  dist::Shape shape{last + 1};
  shape.insert(shape.end(), d.batch_shape().size(), 1);
  const auto values = torch::arange(last + 1, kF64).reshape(shape);
  const auto total = d.log_prob(values).exp().sum(0);
  check_close(total, torch::ones_like(total), tolerance);
}

/// How far the frequency of `event` among draws is from `probability`, in standard errors.
double frequency_error(const torch::Tensor& event, const torch::Tensor& probability) {
  const auto frequency = event.to(torch::kFloat64).mean(0);
  return ((frequency - probability).abs() /
          (probability * (1 - probability) / event.size(0)).sqrt())
      .max()
      .item<double>();
}

}  // namespace

TEST_CASE("Categorical from probs: log_prob and its first and second derivatives by formula") {
  // The kernels behind Categorical (plain loops for small CPU tensors) against tensor formulas:
  // a batch of rows, values broadcast against it (an enumerated support along a dim of its
  // own), and a probability under the clamp's eps.
  const auto probs =
      torch::tensor({{0.2, 0.5, 0.3}, {1.0, 2.0, 1e-20}}, torch::kDouble).requires_grad_();
  const auto value = torch::arange(3).reshape({3, 1});  // against the batch of 2: (3, 2)
  const ppl::dist::Categorical categorical(probs);
  const auto log_prob = categorical.log_prob(value);
  REQUIRE(log_prob.sizes() == std::vector<int64_t>{3, 2});
  const auto normalized = probs / probs.sum(-1, true);
  const double eps = ppl::dist::finfo(torch::kDouble).eps;
  const auto expected = normalized.clamp(eps, 1 - eps).log().t();
  CHECK(log_prob.allclose(expected, 1e-14, 1e-14));
  CHECK(categorical.probs().allclose(normalized, 1e-15, 0));
  // The probabilities' own gradient, through probs().
  const auto through_probs =
      torch::autograd::grad({categorical.probs()[0][1]}, {probs}, {}, /*retain_graph=*/true)[0];
  const auto probs_reference =
      torch::autograd::grad({normalized[0][1]}, {probs}, {}, /*retain_graph=*/true)[0];
  CHECK(through_probs.allclose(probs_reference, 1e-14, 1e-14));
  const auto weights = torch::tensor({{1.0, 2.0}, {-1.0, 0.5}, {3.0, 0.25}}, torch::kDouble);
  const auto grad = torch::autograd::grad({(log_prob * weights).sum()}, {probs}, {}, true, true)[0];
  const auto reference =
      torch::autograd::grad({(expected * weights).sum()}, {probs}, {}, true, true)[0];
  CHECK(grad.allclose(reference, 1e-12, 1e-12));
  // A Hessian-vector product through both: the backward builds a graph of its own.
  const auto direction = torch::tensor({{0.3, -0.1, 0.2}, {1.0, 0.5, -2.0}}, torch::kDouble);
  const auto second = torch::autograd::grad({(grad * direction).sum()}, {probs})[0];
  const auto second_reference = torch::autograd::grad({(reference * direction).sum()}, {probs})[0];
  CHECK(second.allclose(second_reference, 1e-10, 1e-10));
  // A value outside the support.
  const ValidationScope off(false);
  CHECK_THROWS_AS(categorical.log_prob(torch::tensor({3, 0})), std::out_of_range);
}

TEST_CASE("Poisson log_prob, normalization, moments and validation") {
  const dist::Poisson poisson(f64({0.5, 2, 10}));
  const double k[] = {0, 3, 7}, rate[] = {0.5, 2, 10};
  std::vector<double> expected;
  for (int i = 0; i < 3; ++i)
    expected.push_back(k[i] * std::log(rate[i]) - rate[i] - std::lgamma(k[i] + 1));
  check_close(poisson.log_prob(f64({0, 3, 7})), f64(expected));
  check_close(poisson.log_prob(torch::tensor({0, 3, 7})), f64(expected));  // integer values
  check_close(poisson.mean(), f64({0.5, 2, 10}));
  check_close(poisson.variance(), f64({0.5, 2, 10}));
  check_normalized(poisson, 100);
  check_moments(dist::Poisson(f64({0.7, 4})));
  check_close(dist::Poisson(f64({0})).log_prob(f64({0})), f64({0}));

  const dist::Poisson number(3.0);
  CHECK(number.batch_shape().empty());
  CHECK(number.rate().dtype() == torch::get_default_dtype());
  CHECK(number.log_prob(torch::tensor(2.0)).item<double>() ==
        doctest::Approx(2 * std::log(3.0) - 3 - std::log(2.0)));

  ValidationScope on(true);
  CHECK(invalid_argument_of([] {
          dist::Poisson(f64({1, -1}));
        }) == "Poisson: argument 'rate' must be nonnegative, found -1 (at index 1)");
  CHECK(contains(invalid_argument_of([&] {
                   poisson.log_prob(f64({0, 1.5, 2}));
                 }),
                 "Poisson: value out of support nonnegative_integer: found 1.5 (at index 1)"));
  CHECK(contains(invalid_argument_of([&] { poisson.log_prob(f64({-1, 1, 2})); }), "found -1"));
}

TEST_CASE("Binomial log_prob from probs and logits, normalization, moments and entropy") {
  const double n[] = {10, 5, 20}, p[] = {0.3, 0.9, 0.05}, k[] = {3, 5, 0};
  std::vector<double> expected, logits;
  for (int i = 0; i < 3; ++i) {
    expected.push_back(log_choose(n[i], k[i]) + k[i] * std::log(p[i]) +
                       (n[i] - k[i]) * std::log1p(-p[i]));
    logits.push_back(std::log(p[i] / (1 - p[i])));
  }
  const dist::Binomial from_probs(f64({10, 5, 20}), f64({0.3, 0.9, 0.05}));
  const auto from_logits = dist::Binomial::from_logits(f64({10, 5, 20}), f64(logits));
  check_close(from_probs.log_prob(f64({3, 5, 0})), f64(expected));
  check_close(from_logits.log_prob(f64({3, 5, 0})), f64(expected));
  check_close(from_logits.probs(), f64({0.3, 0.9, 0.05}));
  check_close(from_probs.logits(), f64(logits));
  check_close(from_probs.mean(), f64({3, 4.5, 1}));
  check_close(from_probs.variance(), f64({2.1, 0.45, 0.95}));
  check_normalized(dist::Binomial(20, f64({0.3, 0.9, 0.05})), 20);
  // Without validation, a count above total_count has probability 0 (as in PyTorch).
  const auto log_prob_above =
      dist::Binomial(f64({3}), f64({0.5}), /*validate_args=*/false).log_prob(f64({4}));
  CHECK(log_prob_above.item<double>() == -std::numeric_limits<double>::infinity());

  // Entropy against -sum P log P over the support.
  const dist::Binomial homogeneous(6, f64({0.2, 0.5}));
  std::vector<double> entropy;
  for (double q : {0.2, 0.5}) {
    double h = 0;
    for (int j = 0; j <= 6; ++j) {
      const double log_p = log_choose(6, j) + j * std::log(q) + (6 - j) * std::log1p(-q);
      h -= std::exp(log_p) * log_p;
    }
    entropy.push_back(h);
  }
  check_close(homogeneous.entropy(), f64(entropy));

  check_moments(dist::Binomial(f64({10, 4}), f64({0.3, 0.8})));
  check_moments(dist::Binomial::from_logits(7, f64({-1.5})));
}

TEST_CASE("Binomial stays finite at probs 0 and 1 and extreme logits; accepts numbers") {
  const dist::Binomial saturated(5, f64({0, 1}));
  const auto certain = saturated.log_prob(f64({0, 5}));
  CHECK(certain.abs().max().item<double>() < 1e-12);
  const auto extreme = dist::Binomial::from_logits(100, f64({-50, 50}));
  check_close(extreme.log_prob(f64({0, 100})),
              f64({-100 * std::log1p(std::exp(-50.0)), -100 * std::log1p(std::exp(-50.0))}));
  check_close(extreme.log_prob(f64({1, 0})),
              f64({std::log(100.0) - 50 - 100 * std::log1p(std::exp(-50.0)),
                   -5000 - 100 * std::log1p(std::exp(-50.0))}));

  const dist::Binomial numbers(10, 0.5);
  CHECK(numbers.batch_shape().empty());
  CHECK(numbers.total_count().dtype() == torch::get_default_dtype());
  CHECK(numbers.log_prob(torch::tensor(5.0)).item<double>() ==
        doctest::Approx(log_choose(10, 5) - 10 * std::log(2.0)));
  // An integer total_count takes the dtype of probs.
  const dist::Binomial integer_count(torch::tensor({4, 6}), 0.25);
  CHECK(integer_count.total_count().dtype() == torch::get_default_dtype());
  const dist::Binomial integer_count64(torch::tensor({4, 6}), f64({0.25}));
  CHECK(integer_count64.total_count().dtype() == torch::kFloat64);
  CHECK(integer_count64.batch_shape() == dist::Shape{2});
  CHECK(integer_count64.sample({3}).sizes() == torch::IntArrayRef{3, 2});
}

TEST_CASE("Binomial validation names the argument and the support") {
  ValidationScope on(true);
  CHECK(invalid_argument_of([] {
          dist::Binomial(f64({10, 2.5}), 0.5);
        }) ==
        "Binomial: argument 'total_count' must be nonnegative_integer, found 2.5 (at index 1)");
  CHECK(invalid_argument_of([] {
          dist::Binomial(10, f64({2, 0.5}));
        }) ==
        "Binomial: argument 'probs' must be unit_interval, found 2 (at index 0); if these are "
        "logits, use Binomial::from_logits(total_count, logits)");
  const dist::Binomial binomial(10, f64({0.5}));
  CHECK(contains(invalid_argument_of([&] { binomial.log_prob(f64({11})); }),
                 "Binomial: value out of support integer_interval(0, 10): found 11"));
  CHECK(contains(invalid_argument_of([&] { binomial.log_prob(f64({1.5})); }), "found 1.5"));
  CHECK(contains(invalid_argument_of([] {
                   dist::Binomial(f64({3, 4}), f64({0.5, 0.5, 0.5}));
                 }),
                 "Binomial: total_count and probs: shapes (2) and (3)"));
  CHECK(contains(invalid_argument_of([] {
                   dist::Binomial::from_logits(f64({3, 4}), f64({0, 0, 0}));
                 }),
                 "Binomial: total_count and logits"));
}

TEST_CASE("Geometric counts failures before the first success") {
  const double p[] = {0.2, 0.5, 0.9}, k[] = {0, 3, 2};
  std::vector<double> expected, logits, entropy;
  for (int i = 0; i < 3; ++i) {
    expected.push_back(k[i] * std::log1p(-p[i]) + std::log(p[i]));
    logits.push_back(std::log(p[i] / (1 - p[i])));
    entropy.push_back(-((1 - p[i]) * std::log1p(-p[i]) + p[i] * std::log(p[i])) / p[i]);
  }
  const dist::Geometric geometric(f64({0.2, 0.5, 0.9}));
  const auto from_logits = dist::Geometric::from_logits(f64(logits));
  check_close(geometric.log_prob(f64({0, 3, 2})), f64(expected));
  check_close(from_logits.log_prob(f64({0, 3, 2})), f64(expected));
  check_close(geometric.mean(), f64({4, 1, 1.0 / 9}));
  check_close(geometric.variance(), f64({20, 2, 0.1 / 0.81}));
  check_close(geometric.entropy(), f64(entropy));
  check_close(from_logits.entropy(), f64(entropy));
  check_normalized(geometric, 400);
  check_moments(dist::Geometric(f64({0.3, 0.6})));
  check_moments(dist::Geometric::from_logits(f64({-0.5})));

  // probs 1: the first trial succeeds.
  const dist::Geometric certain(f64({1}));
  check_close(certain.log_prob(f64({0})), f64({0}));
  CHECK(torch::equal(certain.sample({10}), torch::zeros({10, 1}, kF64)));

  const dist::Geometric number(0.25);
  CHECK(number.log_prob(torch::tensor(2.0)).item<double>() ==
        doctest::Approx(2 * std::log(0.75) + std::log(0.25)));

  ValidationScope on(true);
  CHECK(invalid_argument_of([] {
          dist::Geometric(f64({0.5, 0}));
        }) == "Geometric: argument 'probs' must be positive, found 0 (at index 1)");
  CHECK(invalid_argument_of([] { dist::Geometric(f64({1.5})); }) ==
        "Geometric: argument 'probs' must be unit_interval, found 1.5 (at index 0)");
  CHECK(contains(invalid_argument_of([&] {
                   geometric.log_prob(f64({-1, 0, 0}));
                 }),
                 "out of support nonnegative_integer"));
}

TEST_CASE("NegativeBinomial counts successes before total_count failures") {
  const double r[] = {3, 2.5, 0.5}, p[] = {0.4, 0.7, 0.1}, k[] = {2, 0, 5};
  std::vector<double> expected, logits, mean, variance;
  for (int i = 0; i < 3; ++i) {
    expected.push_back(std::lgamma(k[i] + r[i]) - std::lgamma(k[i] + 1) - std::lgamma(r[i]) +
                       k[i] * std::log(p[i]) + r[i] * std::log1p(-p[i]));
    logits.push_back(std::log(p[i] / (1 - p[i])));
    mean.push_back(r[i] * p[i] / (1 - p[i]));
    variance.push_back(r[i] * p[i] / ((1 - p[i]) * (1 - p[i])));
  }
  const dist::NegativeBinomial negative_binomial(f64({3, 2.5, 0.5}), f64({0.4, 0.7, 0.1}));
  const auto from_logits = dist::NegativeBinomial::from_logits(f64({3, 2.5, 0.5}), f64(logits));
  check_close(negative_binomial.log_prob(f64({2, 0, 5})), f64(expected));
  check_close(from_logits.log_prob(f64({2, 0, 5})), f64(expected));
  check_close(negative_binomial.mean(), f64(mean));
  check_close(negative_binomial.variance(), f64(variance));
  check_normalized(negative_binomial, 600);
  check_moments(dist::NegativeBinomial(f64({3, 0.5}), f64({0.4, 0.7})));

  // total_count 0: all mass at 0.
  check_close(dist::NegativeBinomial(0, f64({0.5})).log_prob(f64({0})), f64({0}));
  const dist::NegativeBinomial numbers(2, 0.5);
  CHECK(numbers.log_prob(torch::tensor(1.0)).item<double>() == doctest::Approx(std::log(0.25)));

  ValidationScope on(true);
  CHECK(invalid_argument_of([] {
          dist::NegativeBinomial(3, f64({0.5, 1}));
        }) ==
        "NegativeBinomial: argument 'probs' must be half_open_interval(0, 1), found 1 (at index "
        "1)");
  CHECK(invalid_argument_of([] { dist::NegativeBinomial(-1, f64({0.5})); }) ==
        "NegativeBinomial: argument 'total_count' must be nonnegative, found -1 (at index 0)");
  CHECK(contains(invalid_argument_of([&] {
                   negative_binomial.log_prob(f64({0.5, 0, 0}));
                 }),
                 "NegativeBinomial: value out of support nonnegative_integer"));
}

TEST_CASE("Multinomial log_prob, normalization, sampling, moments and entropy") {
  const auto probs = f64({0.2, 0.3, 0.5});
  const dist::Multinomial multinomial(4, probs * 10);  // normalized
  const auto from_logits = dist::Multinomial::from_logits(4, probs.log() + 1.5);
  check_close(multinomial.probs(), probs);
  CHECK(multinomial.event_shape() == dist::Shape{3});
  CHECK(multinomial.batch_shape().empty());

  // Every count vector of total 4: the closed form, and the masses sum to 1.
  std::vector<torch::Tensor> counts;
  std::vector<double> expected;
  double entropy = 0;
  for (int a = 0; a <= 4; ++a) {
    for (int b = 0; a + b <= 4; ++b) {
      const int c = 4 - a - b;
      counts.push_back(f64({double(a), double(b), double(c)}));
      const double log_p = std::lgamma(5) - std::lgamma(a + 1) - std::lgamma(b + 1) -
                           std::lgamma(c + 1) + a * std::log(0.2) + b * std::log(0.3) +
                           c * std::log(0.5);
      expected.push_back(log_p);
      entropy -= std::exp(log_p) * log_p;
    }
  }
  const auto values = torch::stack(counts);
  check_close(multinomial.log_prob(values), f64(expected));
  check_close(from_logits.log_prob(values), f64(expected));
  CHECK(multinomial.log_prob(values).exp().sum().item<double>() ==
        doctest::Approx(1).epsilon(1e-12));
  check_close(multinomial.entropy(), torch::tensor(entropy, kF64));
  check_close(multinomial.mean(), probs * 4);
  check_close(multinomial.variance(), probs * (1 - probs) * 4);

  // A category of probability 0 that is never drawn.
  const auto with_zero = dist::Multinomial::from_logits(
      2, torch::tensor({0.0, -std::numeric_limits<double>::infinity()}, kF64));
  check_close(with_zero.log_prob(f64({2, 0})), torch::tensor(0.0, kF64));

  const dist::Multinomial batched(10, f64({0.2, 0.3, 0.5, 0.6, 0.3, 0.1}).reshape({2, 3}));
  const auto draws = batched.sample({5}, generator(3));
  CHECK(draws.sizes() == torch::IntArrayRef{5, 2, 3});
  CHECK(draws.dtype() == torch::kFloat64);
  CHECK(torch::equal(draws.sum(-1), torch::full({5, 2}, 10.0, kF64)));
  check_moments(batched);
  CHECK(dist::Multinomial(0, probs).sample({2}).sum().item<double>() == 0);
  // A category of probability 0 is never drawn.
  const auto zero_category = dist::Multinomial(10, f64({0.5, 0, 0.5})).sample({1000}, generator(4));
  CHECK(zero_category.select(-1, 1).sum().item<double>() == 0);

  ValidationScope on(true);
  CHECK(invalid_argument_of([] {
          dist::Multinomial(-1, f64({0.5, 0.5}));
        }) == "Multinomial: argument 'total_count' must be a nonnegative integer, found -1");
  CHECK(contains(invalid_argument_of([] {
                   dist::Multinomial(2, f64({-0.5, 1.5}));
                 }),
                 "Multinomial: argument 'probs' must be simplex"));
  CHECK(contains(invalid_argument_of([] { dist::Multinomial(2, torch::tensor(1.0, kF64)); }),
                 "'probs' must have at least one dim"));
  CHECK(contains(invalid_argument_of([&] {
                   multinomial.log_prob(f64({3, 1, 1}));
                 }),
                 "Multinomial: value out of support multinomial(4)"));
  CHECK(contains(invalid_argument_of([&] {
                   multinomial.log_prob(f64({1, 1}));
                 }),
                 "does not fit batch_shape () and event_shape (3)"));
}

TEST_CASE("OneHotCategorical log_prob, sampling, moments and validation") {
  const auto probs = f64({0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25}).reshape({2, 4});
  const dist::OneHotCategorical one_hot(probs);
  const auto from_logits = dist::OneHotCategorical::from_logits(probs.log() - 3);
  CHECK(one_hot.batch_shape() == dist::Shape{2});
  CHECK(one_hot.event_shape() == dist::Shape{4});
  const auto values = torch::eye(4, kF64).index({torch::tensor({2, 0})});
  check_close(one_hot.log_prob(values), f64({std::log(0.3), std::log(0.25)}));
  check_close(from_logits.log_prob(values), f64({std::log(0.3), std::log(0.25)}));
  check_close(one_hot.mean(), probs);
  check_close(one_hot.variance(), probs * (1 - probs));
  check_close(one_hot.entropy(), -(probs * probs.log()).sum(-1));
  // Every one-hot vector along a new leftmost dim: the masses sum to 1.
  check_close(one_hot.log_prob(one_hot.enumerate_support(false)).exp().sum(0),
              torch::ones({2}, kF64));

  const auto draws = one_hot.sample({3}, generator(4));
  CHECK(draws.sizes() == torch::IntArrayRef{3, 2, 4});
  CHECK(draws.dtype() == torch::kFloat64);
  CHECK(torch::equal(draws.sum(-1), torch::ones({3, 2}, kF64)));
  check_moments(one_hot);
  const auto zero_category = dist::OneHotCategorical(f64({0.5, 0, 0.5})).sample({1000});
  CHECK(zero_category.select(-1, 1).sum().item<double>() == 0);

  ValidationScope on(true);
  CHECK(contains(invalid_argument_of([&] {
                   one_hot.log_prob(f64({1, 1, 0, 0}));
                 }),
                 "OneHotCategorical: value out of support one_hot"));
  CHECK(contains(invalid_argument_of([] {
                   dist::OneHotCategorical(f64({0.5, -0.5, 1}));
                 }),
                 "OneHotCategorical: argument 'probs' must be simplex"));
  CHECK(contains(invalid_argument_of([] {
                   dist::OneHotCategorical::from_logits(f64({0, NAN}));
                 }),
                 "OneHotCategorical: argument 'logits'"));
}

TEST_CASE("enumerate_support shapes and values, with and without expand") {
  // Bernoulli, batch (2, 3): values 0, 1.
  const dist::Bernoulli bernoulli(torch::full({2, 3}, 0.3, kF64));
  const auto bernoulli_values = bernoulli.enumerate_support(false);
  CHECK(bernoulli_values.sizes() == torch::IntArrayRef{2, 1, 1});
  CHECK(torch::equal(bernoulli_values.flatten(), f64({0, 1})));
  CHECK(bernoulli.enumerate_support().sizes() == torch::IntArrayRef{2, 2, 3});
  CHECK(torch::equal(bernoulli.enumerate_support()[1], torch::ones({2, 3}, kF64)));
  check_close(bernoulli.log_prob(bernoulli.enumerate_support()).exp().sum(0),
              torch::ones({2, 3}, kF64));

  // Categorical, batch (2, 3), 4 categories: int64 indices 0..3.
  const dist::Categorical categorical(torch::full({2, 3, 4}, 0.25, kF64));
  const auto categorical_values = categorical.enumerate_support(false);
  CHECK(categorical_values.sizes() == torch::IntArrayRef{4, 1, 1});
  CHECK(categorical_values.dtype() == torch::kLong);
  CHECK(torch::equal(categorical_values.flatten(), torch::arange(4)));
  CHECK(categorical.enumerate_support(true).sizes() == torch::IntArrayRef{4, 2, 3});
  check_close(categorical.log_prob(categorical.enumerate_support()).exp().sum(0),
              torch::ones({2, 3}, kF64));

  // OneHotCategorical, batch (2, 3), 4 categories: the rows of the identity.
  const dist::OneHotCategorical one_hot(torch::full({2, 3, 4}, 0.25, kF64));
  const auto one_hot_values = one_hot.enumerate_support(false);
  CHECK(one_hot_values.sizes() == torch::IntArrayRef{4, 1, 1, 4});
  CHECK(torch::equal(one_hot_values.reshape({4, 4}), torch::eye(4, kF64)));
  const auto one_hot_expanded = one_hot.enumerate_support();
  CHECK(one_hot_expanded.sizes() == torch::IntArrayRef{4, 2, 3, 4});
  CHECK(torch::equal(one_hot_expanded[2][1][0], f64({0, 0, 1, 0})));

  // Binomial, batch (2, 3), total_count 3: 0..3 in the parameters' dtype.
  const dist::Binomial binomial(3, torch::full({2, 3}, 0.4, kF64));
  const auto binomial_values = binomial.enumerate_support(false);
  CHECK(binomial_values.sizes() == torch::IntArrayRef{4, 1, 1});
  CHECK(binomial_values.dtype() == torch::kFloat64);
  CHECK(torch::equal(binomial_values.flatten(), f64({0, 1, 2, 3})));
  CHECK(binomial.enumerate_support().sizes() == torch::IntArrayRef{4, 2, 3});
  check_close(binomial.log_prob(binomial.enumerate_support()).exp().sum(0),
              torch::ones({2, 3}, kF64));
  CHECK(binomial.has_enumerate_support());
  CHECK(one_hot.has_enumerate_support());

  // After expand, the enumeration follows the new batch shape.
  CHECK(binomial.expand({5, 2, 3})->enumerate_support().sizes() == torch::IntArrayRef{4, 5, 2, 3});
  CHECK(one_hot.expand({5, 2, 3})->enumerate_support(false).sizes() ==
        torch::IntArrayRef{4, 1, 1, 1, 4});

  const dist::Binomial inhomogeneous(f64({2, 3}), 0.5);
  CHECK(contains(invalid_argument_of([&] { inhomogeneous.enumerate_support(); }),
                 "Binomial: enumerate_support needs one total_count"));
  CHECK_THROWS_AS(dist::Poisson(1.0).enumerate_support(), std::logic_error);
  CHECK(!dist::Poisson(1.0).has_enumerate_support());
}

TEST_CASE("ZeroInflatedPoisson from gate and from gate_logits") {
  const double rate[] = {2, 0.5, 4}, gate[] = {0.3, 0.8, 0.05}, k[] = {0, 0, 3};
  std::vector<double> expected, gate_logits, mean, variance;
  for (int i = 0; i < 3; ++i) {
    const double poisson = k[i] * std::log(rate[i]) - rate[i] - std::lgamma(k[i] + 1);
    expected.push_back(k[i] == 0 ? std::log(gate[i] + (1 - gate[i]) * std::exp(-rate[i]))
                                 : std::log1p(-gate[i]) + poisson);
    gate_logits.push_back(std::log(gate[i] / (1 - gate[i])));
    mean.push_back((1 - gate[i]) * rate[i]);
    const double second_moment = (1 - gate[i]) * (rate[i] * rate[i] + rate[i]);
    variance.push_back(second_moment - mean.back() * mean.back());
  }
  const dist::ZeroInflatedPoisson from_gate(f64({2, 0.5, 4}), f64({0.3, 0.8, 0.05}));
  const auto from_logits =
      dist::ZeroInflatedPoisson::from_gate_logits(f64({2, 0.5, 4}), f64(gate_logits));
  check_close(from_gate.log_prob(f64({0, 0, 3})), f64(expected));
  check_close(from_logits.log_prob(f64({0, 0, 3})), f64(expected));
  check_close(from_logits.gate(), f64({0.3, 0.8, 0.05}));
  check_close(from_gate.gate_logits(), f64(gate_logits));
  check_close(from_gate.mean(), f64(mean));
  check_close(from_gate.variance(), f64(variance));
  check_normalized(from_gate, 100);
  check_normalized(from_logits, 100);
  check_moments(dist::ZeroInflatedPoisson(f64({3, 1}), f64({0.4, 0.1})));
  const auto zeros = dist::ZeroInflatedPoisson(5, f64({0.6})).sample({kDraws}, generator(9)) == 0;
  CHECK(frequency_error(zeros, f64({0.6 + 0.4 * std::exp(-5.0)})) < 4);

  const dist::ZeroInflatedPoisson numbers(1.0, 0.5);
  CHECK(numbers.batch_shape().empty());
  CHECK(numbers.log_prob(torch::tensor(0.0)).item<double>() ==
        doctest::Approx(std::log(0.5 + 0.5 * std::exp(-1.0))));

  ValidationScope on(true);
  CHECK(invalid_argument_of([] {
          dist::ZeroInflatedPoisson(f64({1, 0}), 0.5);
        }) == "ZeroInflatedPoisson: argument 'rate' must be positive, found 0 (at index 1)");
  CHECK(invalid_argument_of([] { dist::ZeroInflatedPoisson(1, f64({1.5})); }) ==
        "ZeroInflatedPoisson: argument 'gate' must be unit_interval, found 1.5 (at index 0)");
  CHECK(contains(invalid_argument_of([&] {
                   from_gate.log_prob(f64({0, 0.5, 0}));
                 }),
                 "ZeroInflatedPoisson: value out of support nonnegative_integer"));
}

namespace {

/// d/dx of f at x by central differences, one coordinate at a time.
torch::Tensor finite_difference(const std::function<double(const torch::Tensor&)>& f,
                                const torch::Tensor& x, double step = 1e-6) {
  auto gradient = torch::zeros_like(x);
  for (int64_t i = 0; i < x.numel(); ++i) {
    auto up = x.clone(), down = x.clone();
    up.view(-1)[i] += step;
    down.view(-1)[i] -= step;
    gradient.view(-1)[i] = (f(up) - f(down)) / (2 * step);
  }
  return gradient;
}

}  // namespace

TEST_CASE("RelaxedBernoulli log_prob matches the binary Concrete density") {
  const double t[] = {0.5, 1, 2.5}, l[] = {0.3, -1.2, 2}, y[] = {0.2, 0.7, 0.999};
  std::vector<double> expected, probs;
  for (int i = 0; i < 3; ++i) {
    const double a = std::exp(l[i]);
    expected.push_back(std::log(t[i] * a) + (-t[i] - 1) * (std::log(y[i]) + std::log1p(-y[i])) -
                       2 * std::log(a * std::pow(y[i], -t[i]) + std::pow(1 - y[i], -t[i])));
    probs.push_back(a / (1 + a));
  }
  const auto from_logits =
      dist::RelaxedBernoulli::from_logits(f64({0.5, 1, 2.5}), f64({0.3, -1.2, 2}));
  const dist::RelaxedBernoulli from_probs(f64({0.5, 1, 2.5}), f64(probs));
  check_close(from_logits.log_prob(f64({0.2, 0.7, 0.999})), f64(expected));
  check_close(from_probs.log_prob(f64({0.2, 0.7, 0.999})), f64(expected), 1e-9);
  CHECK(from_logits.has_rsample());

  // The density integrates to 1 (midpoint rule in logit space, where it is smooth).
  const auto logit_grid = torch::linspace(-40, 40, 200001, kF64).unsqueeze(-1);
  const auto grid = logit_grid.sigmoid();
  const auto density =
      from_logits.log_prob(grid).exp() * grid * (1 - grid) * (80.0 / 200000);  // dy = y(1-y) dz
  check_close(density.sum(0), torch::ones({3}, kF64), 1e-6);

  // y > 1/2 exactly when logits + logistic noise > 0: probability sigmoid(logits).
  const auto draws = from_logits.rsample({kDraws}, generator(5));
  CHECK(draws.sizes() == torch::IntArrayRef{kDraws, 3});
  CHECK(((draws > 0) & (draws < 1)).all().item<bool>());
  CHECK(frequency_error(draws > 0.5, f64(probs)) < 4);

  const dist::RelaxedBernoulli numbers(0.5, 0.3);
  CHECK(numbers.batch_shape().empty());
  CHECK(numbers.temperature().dtype() == torch::get_default_dtype());
  // temperature broadcasts with probs.
  CHECK(dist::RelaxedBernoulli(f64({0.5, 1}), 0.3).batch_shape() == dist::Shape{2});

  ValidationScope on(true);
  CHECK(invalid_argument_of([] {
          dist::RelaxedBernoulli(f64({0.5, 0}), 0.3);
        }) == "RelaxedBernoulli: argument 'temperature' must be positive, found 0 (at index 1)");
  CHECK(invalid_argument_of([] { dist::RelaxedBernoulli(1, f64({1.5})); }) ==
        "RelaxedBernoulli: argument 'probs' must be unit_interval, found 1.5 (at index 0)");
  CHECK(contains(invalid_argument_of([&] {
                   from_logits.log_prob(f64({0.5, 1.5, 0.5}));
                 }),
                 "RelaxedBernoulli: value out of support unit_interval"));
}

TEST_CASE("RelaxedBernoulli::rsample gradients match finite differences of the expectation") {
  // E[y^2] over 2000 draws with common random numbers (the same seed) is a smooth function of
  // logits and temperature: its pathwise gradient equals its finite differences.
  const auto objective = [](const torch::Tensor& temperature, const torch::Tensor& logits) {
    const auto y =
        dist::RelaxedBernoulli::from_logits(temperature, logits).rsample({2000}, generator(11));
    return y.square().mean(0).sum();
  };
  const auto temperature = f64({0.7, 1.5}).requires_grad_();
  const auto logits = f64({0.4, -0.8}).requires_grad_();
  objective(temperature, logits).backward();
  const auto logits_fd = finite_difference(
      [&](const torch::Tensor& x) { return objective(temperature.detach(), x).item<double>(); },
      logits.detach());
  const auto temperature_fd = finite_difference(
      [&](const torch::Tensor& x) { return objective(x, logits.detach()).item<double>(); },
      temperature.detach());
  check_close(logits.grad(), logits_fd, 1e-6);
  check_close(temperature.grad(), temperature_fd, 1e-6);
  CHECK(logits.grad().abs().min().item<double>() > 1e-3);

  // From probs: the gradient reaches probs through the logits.
  const auto probs = f64({0.3}).requires_grad_();
  const auto y = dist::RelaxedBernoulli(1.0, probs).rsample({2000}, generator(12));
  y.mean().backward();
  const auto probs_fd = finite_difference(
      [&](const torch::Tensor& p) {
        return dist::RelaxedBernoulli(1.0, p).rsample({2000}, generator(12)).mean().item<double>();
      },
      probs.detach());
  check_close(probs.grad(), probs_fd, 1e-6);
}

TEST_CASE("RelaxedBernoulliStraightThrough: hard values, relaxed gradients, relaxed log_prob") {
  const auto logits = f64({0.4, -0.8, 1.5}).requires_grad_();
  const auto straight_through = dist::RelaxedBernoulliStraightThrough::from_logits(0.5, logits);
  const auto relaxed = dist::RelaxedBernoulli::from_logits(0.5, logits);
  CHECK(straight_through.name() == "RelaxedBernoulliStraightThrough");
  CHECK(straight_through.clone()->name() == "RelaxedBernoulliStraightThrough");
  CHECK(straight_through.expand({2, 3})->name() == "RelaxedBernoulliStraightThrough");

  const auto weights = f64({1, 2, 3});
  const auto hard = straight_through.rsample({500}, generator(13));
  const auto soft = dist::clamp_probs(relaxed.rsample({500}, generator(13)));
  CHECK(torch::equal(hard, soft.detach().round()));
  CHECK(((hard == 0) | (hard == 1)).all().item<bool>());
  const auto hard_gradient = torch::autograd::grad({(hard * weights).sum()}, {logits})[0];
  const auto soft_gradient = torch::autograd::grad({(soft * weights).sum()}, {logits})[0];
  check_close(hard_gradient, soft_gradient, 1e-12);

  // log_prob of the hard draw is the relaxed density at the soft draw it came from.
  check_close(straight_through.log_prob(hard), relaxed.log_prob(soft), 1e-12);
  check_close(straight_through.log_prob(f64({0.2, 0.5, 0.9})),
              relaxed.log_prob(f64({0.2, 0.5, 0.9})), 1e-12);

  const auto draws =
      dist::RelaxedBernoulliStraightThrough(2.0, f64({0.2, 0.7})).sample({kDraws}, generator(14));
  CHECK(frequency_error(draws, f64({0.2, 0.7})) < 4);
}

TEST_CASE("RelaxedOneHotCategorical log_prob matches the Gumbel-softmax density") {
  const auto probs = f64({0.2, 0.3, 0.5, 0.6, 0.3, 0.1}).reshape({2, 3});
  const auto temperature = f64({0.5, 2});
  const auto values = f64({0.1, 0.6, 0.3, 0.25, 0.25, 0.5}).reshape({2, 3});
  std::vector<double> expected;
  for (int b = 0; b < 2; ++b) {
    const double t = temperature[b].item<double>();
    double log_product = 0, sum = 0;
    for (int k = 0; k < 3; ++k) {
      const double p = probs[b][k].item<double>(), y = values[b][k].item<double>();
      log_product += std::log(p) + (-t - 1) * std::log(y);
      sum += p * std::pow(y, -t);
    }
    expected.push_back(std::lgamma(3.0) + 2 * std::log(t) + log_product - 3 * std::log(sum));
  }
  const dist::RelaxedOneHotCategorical relaxed(temperature, probs);
  const auto from_logits =
      dist::RelaxedOneHotCategorical::from_logits(temperature, probs.log() + 2);
  CHECK(relaxed.batch_shape() == dist::Shape{2});
  CHECK(relaxed.event_shape() == dist::Shape{3});
  check_close(relaxed.log_prob(values), f64(expected));
  check_close(from_logits.log_prob(values), f64(expected));

  // argmax of the relaxed draw is a Categorical(probs) draw (the Gumbel-max trick).
  const auto draws = relaxed.rsample({kDraws}, generator(15));
  CHECK(draws.sizes() == torch::IntArrayRef{kDraws, 2, 3});
  check_close(draws.sum(-1), torch::ones({kDraws, 2}, kF64), 1e-12);
  CHECK(frequency_error(at::one_hot(draws.argmax(-1), 3), probs) < 4);

  // A number temperature; temperature broadcasts with the batch shape.
  const dist::RelaxedOneHotCategorical number(0.5, f64({0.5, 0.5}));
  CHECK(number.temperature().dtype() == torch::kFloat64);
  CHECK(dist::RelaxedOneHotCategorical(f64({0.5, 1, 2}), f64({0.5, 0.5})).batch_shape() ==
        dist::Shape{3});

  ValidationScope on(true);
  CHECK(contains(invalid_argument_of([&] { dist::RelaxedOneHotCategorical(-1.0, probs); }),
                 "RelaxedOneHotCategorical: argument 'temperature' must be positive, found -1"));
  CHECK(contains(invalid_argument_of([&] {
                   relaxed.log_prob(f64({0.5, 0.6, 0.3}));
                 }),
                 "RelaxedOneHotCategorical: value out of support simplex"));
}

TEST_CASE("RelaxedOneHotCategorical::rsample gradients match finite differences") {
  const auto weights = f64({1, -2, 3});
  const auto objective = [&](const torch::Tensor& temperature, const torch::Tensor& logits) {
    const auto y = dist::RelaxedOneHotCategorical::from_logits(temperature, logits)
                       .rsample({2000}, generator(16));
    return (y * weights).sum(-1).square().mean();
  };
  const auto temperature = f64({0.8}).requires_grad_();
  const auto logits = f64({0.1, -0.5, 0.7}).requires_grad_();
  objective(temperature, logits).backward();
  const auto logits_fd = finite_difference(
      [&](const torch::Tensor& x) { return objective(temperature.detach(), x).item<double>(); },
      logits.detach());
  const auto temperature_fd = finite_difference(
      [&](const torch::Tensor& x) { return objective(x, logits.detach()).item<double>(); },
      temperature.detach());
  check_close(logits.grad(), logits_fd, 1e-6);
  check_close(temperature.grad(), temperature_fd, 1e-6);
  CHECK(temperature.grad().abs().item<double>() > 1e-3);
}

TEST_CASE("RelaxedOneHotCategoricalStraightThrough: one-hot values, relaxed gradients") {
  const auto logits = f64({0.1, -0.5, 0.7}).requires_grad_();
  const auto straight_through =
      dist::RelaxedOneHotCategoricalStraightThrough::from_logits(0.5, logits);
  const auto relaxed = dist::RelaxedOneHotCategorical::from_logits(0.5, logits);
  CHECK(straight_through.clone()->name() == "RelaxedOneHotCategoricalStraightThrough");

  const auto weights = f64({1, -2, 3});
  const auto hard = straight_through.rsample({500}, generator(17));
  const auto soft = dist::clamp_probs(relaxed.rsample({500}, generator(17)));
  CHECK(torch::equal(hard, at::one_hot(soft.argmax(-1), 3).to(torch::kFloat64)));
  const auto hard_gradient = torch::autograd::grad({(hard * weights).sum()}, {logits})[0];
  const auto soft_gradient = torch::autograd::grad({(soft * weights).sum()}, {logits})[0];
  check_close(hard_gradient, soft_gradient, 1e-12);
  check_close(straight_through.log_prob(hard), relaxed.log_prob(soft), 1e-12);

  const auto probs = f64({0.2, 0.3, 0.5});
  const auto draws =
      dist::RelaxedOneHotCategoricalStraightThrough(1.0, probs).sample({kDraws}, generator(18));
  CHECK(torch::equal(draws.sum(-1), torch::ones({kDraws}, kF64)));
  CHECK(frequency_error(draws, probs) < 4);
}

TEST_CASE("shapes after expand, to_event and sample(sample_shape)") {
  const auto p = torch::full({3}, 0.4, kF64);
  const auto vector_probs = torch::full({3, 4}, 0.25, kF64);
  const std::vector<dist::DistributionPtr> distributions = {
      dist::Poisson(p * 5).clone(),
      dist::Binomial(10, p).clone(),
      dist::Binomial::from_logits(10, p).clone(),
      dist::Geometric(p).clone(),
      dist::NegativeBinomial(2.5, p).clone(),
      dist::ZeroInflatedPoisson(2, p).clone(),
      dist::ZeroInflatedPoisson::from_gate_logits(2, p).clone(),
      dist::RelaxedBernoulli(0.5, p).clone(),
      dist::RelaxedBernoulliStraightThrough(0.5, p).clone(),
      dist::Multinomial(5, vector_probs).clone(),
      dist::OneHotCategorical(vector_probs).clone(),
      dist::RelaxedOneHotCategorical(0.5, vector_probs).clone(),
      dist::RelaxedOneHotCategoricalStraightThrough::from_logits(0.5, vector_probs).clone(),
  };
  for (const auto& d : distributions) {
    INFO(d->name());
    const dist::Shape event = d->event_shape();
    const auto with_event = [&](dist::Shape shape) {
      shape.insert(shape.end(), event.begin(), event.end());
      return shape;
    };
    CHECK(d->batch_shape() == dist::Shape{3});
    CHECK(d->sample({5, 2}).sizes() == torch::IntArrayRef(with_event({5, 2, 3})));

    const auto expanded = d->expand({2, 3});
    CHECK(expanded->name() == d->name());
    CHECK(expanded->batch_shape() == dist::Shape{2, 3});
    CHECK(expanded->event_shape() == event);
    const auto draws = expanded->sample({5}, generator(19));
    CHECK(draws.sizes() == torch::IntArrayRef(with_event({5, 2, 3})));
    CHECK(expanded->log_prob(draws).sizes() == torch::IntArrayRef{5, 2, 3});
    CHECK(d->log_prob(draws).sizes() == torch::IntArrayRef{5, 2, 3});

    const auto independent = expanded->to_event(1);
    CHECK(independent.batch_shape() == dist::Shape{2});
    CHECK(independent.event_shape() == with_event({3}));
    CHECK(independent.log_prob(draws).sizes() == torch::IntArrayRef{5, 2});
    CHECK_THROWS_AS(d->expand({4}), std::invalid_argument);
  }
}

}  // namespace test_discrete_distributions
