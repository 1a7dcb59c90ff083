// TransformedDistribution and the distributions built on transforms (LogNormal) or written
// directly (Gumbel, Weibull, Pareto, HalfNormal, HalfCauchy): closed-form densities, sample
// moments, pathwise gradients, validation, shapes, cdf and icdf; a draw scored without inverting.

#include <doctest/doctest.h>
#include <torch/torch.h>
#include "tests/support.h"

#include "ppl/distributions/cauchy.h"
#include "ppl/distributions/gumbel.h"
#include "ppl/distributions/half_cauchy.h"
#include "ppl/distributions/half_normal.h"
#include "ppl/distributions/log_normal.h"
#include "ppl/distributions/normal.h"
#include "ppl/distributions/pareto.h"
#include "ppl/distributions/transformed_distribution.h"
#include "ppl/distributions/transforms/affine.h"
#include "ppl/distributions/transforms/corr_cholesky.h"
#include "ppl/distributions/transforms/exp.h"
#include "ppl/distributions/transforms/independent.h"
#include "ppl/distributions/transforms/scaled_sigmoid.h"
#include "ppl/distributions/transforms/stick_breaking.h"
#include "ppl/distributions/transforms/tanh.h"
#include "ppl/distributions/uniform.h"
#include "ppl/distributions/weibull.h"

#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace test_transformed_distributions {

namespace constraints = ppl::constraints;
namespace dist = ppl::dist;
namespace transforms = ppl::transforms;
using dist::Shape;
using ppl::testing::contains;
using ppl::testing::what_of;

using ppl::testing::generator;
using ppl::testing::ValidationScope;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);
const double kPi = 3.14159265358979323846;
const double kEulerGamma = 0.57721566490153286060651209008240243;
const double kInf = std::numeric_limits<double>::infinity();

torch::Tensor f64(std::vector<double> values) {
  return torch::tensor(values, kF64);
}

/// A 0-dim float64 tensor: numbers alone would give the default dtype, float32.
torch::Tensor scalar(double value) {
  return torch::full({}, value, kF64);
}

void check_close(const torch::Tensor& actual, const torch::Tensor& expected, double tol = 1e-10) {
  INFO("actual: " << actual << "\nexpected: " << expected);
  REQUIRE(actual.sizes() == expected.sizes());
  CHECK(torch::allclose(actual, expected.to(actual.dtype()), tol, tol));
}

/// |actual - expected| <= tol |expected| elementwise.
void check_relative(const torch::Tensor& actual, const std::vector<double>& expected,
                    double tol = 1e-10) {
  INFO("actual: " << actual << "\nexpected: " << f64(expected));
  REQUIRE(actual.numel() == static_cast<int64_t>(expected.size()));
  const auto flat = actual.reshape(-1);
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(std::abs(flat[i].item<double>() - expected[i]) <= tol * std::abs(expected[i]));
  }
}

/// Mean and variance of 10^5 draws within 4 standard errors of the distribution's (a scalar
/// distribution); the variance's standard error is estimated from the draws' fourth moment.
void check_moments(const dist::Distribution& d, uint64_t seed) {
  const int64_t n = 100000;
  const auto x = d.sample({n}, generator(seed));
  const double mean = d.mean().item<double>(), variance = d.variance().item<double>();
  const double sample_mean = x.mean().item<double>();
  const auto squared_deviation = (x - sample_mean).square();
  const double sample_variance = squared_deviation.mean().item<double>();
  const double mean_error = std::sqrt(variance / n);
  const double variance_error = squared_deviation.std().item<double>() / std::sqrt(double(n));
  INFO(d.name() << ": mean " << mean << " vs " << sample_mean << ", variance " << variance << " vs "
                << sample_variance);
  CHECK(std::abs(sample_mean - mean) <= 4 * mean_error);
  CHECK(std::abs(sample_variance - variance) <= 4 * variance_error);
}

/// The fraction of 10^5 draws below icdf(p) is within 4 standard errors of p.
void check_quantiles(const dist::Distribution& d, uint64_t seed) {
  const int64_t n = 100000;
  const auto x = d.sample({n}, generator(seed));
  for (double p : {0.1, 0.5, 0.9}) {
    const double quantile = d.icdf(torch::full({}, p, kF64)).item<double>();
    const double below = (x <= quantile).to(torch::kFloat64).mean().item<double>();
    INFO(d.name() << ": p " << p << ", fraction below " << below);
    CHECK(std::abs(below - p) <= 4 * std::sqrt(p * (1 - p) / n));
  }
}

/// cdf(icdf(p)) = p, and icdf(cdf(x)) = x at the p-quantiles.
void check_cdf_round_trip(const dist::Distribution& d) {
  const auto p = f64({0.01, 0.25, 0.5, 0.75, 0.99});
  const auto x = d.icdf(p);
  check_close(d.cdf(x), p, 1e-12);
  check_close(d.icdf(d.cdf(x)), x, 1e-9);
}

using Factory = std::function<dist::DistributionPtr(const std::vector<torch::Tensor>&)>;

/// The pathwise gradient of mean(x / (1 + |x|)) over 1000 rsample draws, by autograd, against
/// central differences of the same estimate with the same draws (common random numbers).
void check_rsample_gradients(const Factory& make, const std::vector<double>& values) {
  const auto estimate = [&](const std::vector<torch::Tensor>& parameters) {
    const auto x = make(parameters)->rsample({1000}, generator(17));
    return (x / (1 + x.abs())).mean();
  };
  std::vector<torch::Tensor> parameters;
  for (double value : values) parameters.push_back(torch::full({}, value, kF64).requires_grad_());
  const auto gradients = torch::autograd::grad({estimate(parameters)}, parameters);
  for (size_t i = 0; i < values.size(); ++i) {
    const double step = 1e-6 * std::max(1.0, std::abs(values[i]));
    auto shifted = [&](double delta) {
      std::vector<torch::Tensor> moved;
      for (size_t j = 0; j < values.size(); ++j)
        moved.push_back(torch::full({}, values[j] + (i == j ? delta : 0.0), kF64));
      return estimate(moved).item<double>();
    };
    const double finite_difference = (shifted(step) - shifted(-step)) / (2 * step);
    CAPTURE(i);
    CHECK(gradients[i].item<double>() == doctest::Approx(finite_difference).epsilon(1e-6));
  }
}

/// Batch shape (3) expands to (2, 3), samples to (4, 2, 3), and to_event(1) makes the 3 an event.
void check_shapes(const dist::Distribution& d) {
  CAPTURE(d.name());
  REQUIRE(d.batch_shape() == Shape{3});
  const auto expanded = d.expand({2, 3});
  CHECK(expanded->name() == d.name());
  CHECK(expanded->batch_shape() == Shape{2, 3});
  CHECK(expanded->event_shape().empty());
  const auto x = expanded->sample({4}, generator(2));
  CHECK(x.sizes() == torch::IntArrayRef{4, 2, 3});
  CHECK(expanded->log_prob(x).sizes() == torch::IntArrayRef{4, 2, 3});
  check_close(expanded->log_prob(x).select(1, 1), d.log_prob(x.select(1, 1)), 1e-12);
  const auto event = d.to_event(1);
  CHECK(event.batch_shape().empty());
  CHECK(event.event_shape() == Shape{3});
  CHECK(event.log_prob(x).sizes() == torch::IntArrayRef{4, 2});
  CHECK(d.sample({5, 2}, generator(3)).sizes() == torch::IntArrayRef{5, 2, 3});
  CHECK(d.has_rsample());
}

/// Exp counting its inverses: whether log_prob inverted.
class CountingExp : public transforms::Exp {
 public:
  torch::Tensor inverse(const torch::Tensor& y) const override {
    ++inverses;
    return Exp::inverse(y);
  }
  mutable std::atomic<int> inverses{0};
};

}  // namespace

TEST_CASE("TransformedDistribution through Affine is the matching Normal") {
  const auto loc = f64({0, 1, -2});
  const auto scale = f64({1, 2, 0.5});
  const dist::TransformedDistribution shifted(dist::Normal(loc, scale),
                                              {std::make_shared<transforms::Affine>(1.0, 2.0)});
  const dist::Normal expected(1 + 2 * loc, 2 * scale);
  const auto value = f64({0.3, -1, 4});
  check_close(shifted.log_prob(value), expected.log_prob(value), 1e-12);
  check_close(shifted.cdf(value), expected.cdf(value), 1e-12);
  check_close(shifted.icdf(f64({0.1, 0.5, 0.8})), expected.icdf(f64({0.1, 0.5, 0.8})), 1e-12);
  CHECK(shifted.batch_shape() == Shape{3});
  CHECK(shifted.has_rsample());
  CHECK(shifted.support()->to_string() == "real");
  CHECK(shifted.transforms().size() == 1);
  CHECK(shifted.base()->name() == "Normal");

  // Decreasing: cdf flips, icdf undoes it.
  const dist::TransformedDistribution flipped(dist::Normal(loc, scale),
                                              {std::make_shared<transforms::Affine>(0.0, -1.0)});
  check_close(flipped.cdf(value), 1 - dist::Normal(loc, scale).cdf(-value), 1e-12);
  check_close(flipped.cdf(flipped.icdf(f64({0.1, 0.5, 0.8}))), f64({0.1, 0.5, 0.8}), 1e-12);

  // Not monotone elementwise: cdf is refused.
  const dist::TransformedDistribution sticks(dist::Normal(torch::zeros({3}, kF64), 1.0),
                                             {std::make_shared<transforms::StickBreaking>()});
  CHECK(contains(what_of([&] { sticks.cdf(f64({0.25, 0.25, 0.25, 0.25})); }), "monotone"));
}

TEST_CASE("TransformedDistribution log_prob is the change of variables, with event dims") {
  // Exp: the log-normal density.
  const dist::TransformedDistribution log_normal(dist::Normal(scalar(0.5), 2.0),
                                                 {std::make_shared<transforms::Exp>()});
  const auto y = f64({0.1, 1, 7});
  const auto expected =
      -(y.log() - 0.5).square() / 8 - std::log(2.0) - 0.5 * std::log(2 * kPi) - y.log();
  check_close(log_normal.log_prob(y), expected, 1e-12);
  CHECK(log_normal.support()->to_string() == "positive");

  // StickBreaking acts on vectors: the base's last batch dim becomes an event dim.
  const auto loc = at::randn({2, 3}, generator(5), kF64);
  const dist::TransformedDistribution sticks(dist::Normal(loc, 1.0),
                                             {std::make_shared<transforms::StickBreaking>()});
  CHECK(sticks.batch_shape() == Shape{2});
  CHECK(sticks.event_shape() == Shape{4});
  CHECK(sticks.base()->name() == "Independent");
  CHECK(sticks.support()->to_string() == "simplex");
  const auto draws = sticks.sample({5}, generator(9));
  CHECK(draws.sizes() == torch::IntArrayRef{5, 2, 4});
  CHECK(constraints::simplex->check(draws).all().item<bool>());
  const transforms::StickBreaking stick_breaking;
  const auto x = stick_breaking.inverse(draws);
  const auto by_hand =
      dist::Normal(loc, 1.0).log_prob(x).sum(-1) - stick_breaking.log_abs_det_jacobian(x, draws);
  check_close(sticks.log_prob(draws), by_hand, 1e-9);

  // An elementwise transform over a base with an event dim keeps that event dim.
  const dist::TransformedDistribution positive_vectors(dist::Normal(loc, 1.0).to_event(1),
                                                       {std::make_shared<transforms::Exp>()});
  CHECK(positive_vectors.batch_shape() == Shape{2});
  CHECK(positive_vectors.event_shape() == Shape{3});
  CHECK(positive_vectors.support()->to_string() == "independent(positive, 1)");
  const auto values = at::rand({2, 3}, generator(4), kF64) + 0.1;
  check_close(positive_vectors.log_prob(values),
              (dist::Normal(loc, 1.0).log_prob(values.log()) - values.log()).sum(-1), 1e-12);

  // CorrCholesky: vectors of 6 onto 4 x 4 factors; the event is the matrix.
  const dist::TransformedDistribution factors(dist::Normal(torch::zeros({6}, kF64), 1.0),
                                              {std::make_shared<transforms::CorrCholesky>()});
  CHECK(factors.batch_shape().empty());
  CHECK(factors.event_shape() == Shape{4, 4});
  const auto factor = factors.sample({3}, generator(6));
  CHECK(factor.sizes() == torch::IntArrayRef{3, 4, 4});
  CHECK(constraints::corr_cholesky->check(factor).all().item<bool>());
  const transforms::CorrCholesky corr;
  const auto unconstrained = corr.inverse(factor);
  check_close(factors.log_prob(factor),
              dist::Normal(0.0, 1.0).log_prob(unconstrained).sum(-1) -
                  corr.log_abs_det_jacobian(unconstrained, factor),
              1e-9);
}

TEST_CASE("TransformedDistribution broadcasts the base to the transforms and expands") {
  // A scalar base through an Affine with a loc of 3 elements: batch (3), base expanded.
  const dist::TransformedDistribution shifted(
      dist::Normal(0.0, 1.0), {std::make_shared<transforms::Affine>(f64({1, 2, 3}), 1.0)});
  CHECK(shifted.batch_shape() == Shape{3});
  CHECK(shifted.base()->batch_shape() == Shape{3});
  CHECK(shifted.sample({2}, generator(1)).sizes() == torch::IntArrayRef{2, 3});

  const auto expanded = shifted.expand({4, 3});
  CHECK(expanded->batch_shape() == Shape{4, 3});
  const auto& transformed = dynamic_cast<const dist::TransformedDistribution&>(*expanded);
  CHECK(transformed.base()->batch_shape() == Shape{4, 3});
  CHECK(expanded->sample({2}, generator(1)).sizes() == torch::IntArrayRef{2, 4, 3});
  CHECK(contains(what_of([&] { shifted.expand({2}); }), "cannot expand"));

  const dist::TransformedDistribution sticks(dist::Normal(torch::zeros({3}, kF64), 1.0),
                                             {std::make_shared<transforms::StickBreaking>()});
  const auto many = sticks.expand({5});
  CHECK(many->batch_shape() == Shape{5});
  CHECK(many->event_shape() == Shape{4});
  CHECK(many->sample({}, generator(2)).sizes() == torch::IntArrayRef{5, 4});

  CHECK(contains(what_of([] {
                   dist::TransformedDistribution(dist::Normal(0.0, 1.0),
                                                 {std::make_shared<transforms::StickBreaking>()});
                 }),
                 "at least 1 dims"));
  CHECK(contains(what_of([] { dist::TransformedDistribution(nullptr, {}); }), "null"));
}

TEST_CASE("TransformedDistribution rsample is pathwise and sample carries no gradient") {
  auto scale = torch::full({}, 0.7, kF64).requires_grad_();
  const dist::TransformedDistribution d(dist::Normal(0.0, scale),
                                        {std::make_shared<transforms::Tanh>()});
  const auto y = d.rsample({50}, generator(3));
  CHECK(y.requires_grad());
  CHECK(!d.sample({50}, generator(3)).requires_grad());
  CHECK(d.support()->to_string() == "interval(-1, 1)");
  // y = tanh(scale eps): dy/dscale = (1 - y^2) eps = (1 - y^2) atanh(y) / scale.
  const auto gradient = torch::autograd::grad({y.sum()}, {scale})[0];
  const auto yd = y.detach();
  CHECK(
      gradient.item<double>() ==
      doctest::Approx(((1 - yd.square()) * yd.atanh() / 0.7).sum().item<double>()).epsilon(1e-10));
}

TEST_CASE(
    "TransformedDistribution scores its own rsample without inverting, as the inverse would") {
  auto loc = f64({0.3, -0.2, 0.1}).requires_grad_();
  auto scale = f64({0.5, 0.8, 1.2}).requires_grad_();
  auto shift = scalar(0.2).requires_grad_();
  auto stretch = f64({1.5, 0.7, 1.1}).requires_grad_();
  const auto counting = std::make_shared<CountingExp>();
  const dist::TransformedDistribution d(
      dist::Normal(loc, scale), {std::make_shared<transforms::Affine>(shift, stretch),
                                 std::make_shared<transforms::ScaledSigmoid>(0.0, 10.0), counting});
  const auto y = d.rsample({4}, generator(5));
  const auto remembered = d.log_prob(y);
  CHECK(counting->inverses.load() == 0);
  const auto inverted = d.log_prob(y.clone());  // an equal tensor: inverted
  CHECK(counting->inverses.load() == 1);
  check_close(remembered, inverted, 1e-12);
  const std::vector<torch::Tensor> parameters{loc, scale, shift, stretch};
  const auto remembered_gradients =
      torch::autograd::grad({remembered.sum()}, parameters, {}, /*retain_graph=*/true);
  const auto inverted_gradients = torch::autograd::grad({inverted.sum()}, parameters);
  for (size_t i = 0; i < parameters.size(); ++i) {
    CAPTURE(i);
    check_close(remembered_gradients[i], inverted_gradients[i], 1e-12);
  }
}

TEST_CASE("TransformedDistribution inverts values it did not just draw with gradients") {
  const auto counting = std::make_shared<CountingExp>();
  const auto loc = f64({0.3, -0.2, 0.1});
  const dist::TransformedDistribution d(dist::Normal(loc, 0.5), {counting});
  const auto log_normal = [&](const torch::Tensor& y) {
    return dist::Normal(loc, 0.5).log_prob(y.log()) - y.log();
  };

  auto y = d.rsample({}, generator(1));
  check_close(d.log_prob(y), log_normal(y), 1e-12);
  CHECK(counting->inverses.load() == 0);
  y.mul_(1.5);  // modified in place
  check_close(d.log_prob(y), log_normal(y), 1e-12);
  CHECK(counting->inverses.load() == 1);

  const auto z = d.rsample({}, generator(2));
  const dist::TransformedDistribution copy = d;
  const auto expanded = d.expand_ptr({2, 3});
  check_close(copy.log_prob(z), log_normal(z), 1e-12);
  check_close(d.clone()->log_prob(z), log_normal(z), 1e-12);
  check_close(expanded->log_prob(z), log_normal(z).expand({2, 3}), 1e-12);
  CHECK(counting->inverses.load() == 4);
  copy.rsample({}, generator(3));  // the copies' draws leave d's own
  expanded->rsample({}, generator(4));
  check_close(d.log_prob(z), log_normal(z), 1e-12);
  CHECK(counting->inverses.load() == 4);

  check_close(d.log_prob(d.sample({}, generator(5))), log_normal(d.sample({}, generator(5))),
              1e-12);
  CHECK(counting->inverses.load() == 5);
  torch::Tensor drawn_without_gradients;
  {
    torch::NoGradGuard no_grad;
    drawn_without_gradients = d.rsample({}, generator(6));
  }
  d.log_prob(drawn_without_gradients);
  CHECK(counting->inverses.load() == 6);
}

TEST_CASE("TransformedDistribution shared by threads scores each thread's draws") {
  const auto d = std::make_shared<const dist::TransformedDistribution>(
      dist::Normal(f64({0.3, -0.2}), 0.5),
      std::vector<transforms::TransformPtr>{
          std::make_shared<transforms::ScaledSigmoid>(0.0, 10.0)});
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const auto thread_generator = generator(t);
      for (int i = 0; i < 200; ++i) {
        const auto y = d->rsample({}, thread_generator);
        if (!torch::allclose(d->log_prob(y), d->log_prob(y.clone()), 1e-12, 1e-12)) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(wrong == 0);
}

TEST_CASE("LogNormal") {
  const dist::LogNormal d(f64({0.2, -1, 1.5}), f64({0.5, 1, 2}));
  CHECK(dynamic_cast<const dist::TransformedDistribution*>(&d) != nullptr);
  CHECK(d.base()->name() == "Normal");
  const std::vector<double> locs{0.2, -1, 1.5}, scales{0.5, 1, 2}, xs{0.7, 2.5, 0.01};
  std::vector<double> expected;
  for (size_t i = 0; i < 3; ++i) {
    const double z = (std::log(xs[i]) - locs[i]) / scales[i];
    expected.push_back(
        std::log(1 / (xs[i] * scales[i] * std::sqrt(2 * kPi)) * std::exp(-z * z / 2)));
  }
  check_relative(d.log_prob(f64(xs)), expected);
  check_close(d.mean(), (f64(locs) + f64(scales).square() / 2).exp(), 1e-12);
  check_close(d.entropy(), 0.5 + 0.5 * std::log(2 * kPi) + f64(scales).log() + f64(locs), 1e-12);
  CHECK(d.support()->to_string() == "positive");
  check_moments(dist::LogNormal(scalar(0.3), 0.4), 1);
  check_quantiles(dist::LogNormal(scalar(0.3), 0.4), 2);
  check_cdf_round_trip(dist::LogNormal(scalar(0.3), 0.4));
  CHECK(dist::LogNormal(0.0, 1.0).cdf(f64({1})).item<double>() == doctest::Approx(0.5));
  check_rsample_gradients(
      [](const auto& p) { return std::make_shared<dist::LogNormal>(p[0], p[1]); }, {0.3, 0.4});
  check_shapes(dist::LogNormal(torch::zeros({3}, kF64), 1.0));
  const auto expanded = d.expand({2, 3});
  const auto* log_normal = dynamic_cast<const dist::LogNormal*>(expanded.get());
  REQUIRE(log_normal != nullptr);
  CHECK(log_normal->loc().sizes() == torch::IntArrayRef{2, 3});
  CHECK(log_normal->scale().sizes() == torch::IntArrayRef{2, 3});
  CHECK(log_normal->base()->batch_shape() == Shape{2, 3});
  check_close(log_normal->mean()[1], d.mean(), 1e-12);
  const auto arguments = d.arg_constraints();
  REQUIRE(arguments.size() == 2);
  CHECK(arguments[0].first == "loc");
  CHECK(arguments[1].first == "scale");
}

TEST_CASE("Gumbel") {
  const dist::Gumbel d(f64({0, 1, -2}), f64({1, 0.5, 3}));
  const std::vector<double> locs{0, 1, -2}, scales{1, 0.5, 3}, xs{0.3, -1, 10};
  std::vector<double> expected;
  for (size_t i = 0; i < 3; ++i) {
    const double z = (xs[i] - locs[i]) / scales[i];
    expected.push_back(std::log(std::exp(-(z + std::exp(-z))) / scales[i]));
  }
  check_relative(d.log_prob(f64(xs)), expected);
  check_close(d.entropy(), f64(scales).log() + 1 + kEulerGamma, 1e-12);
  CHECK(d.cdf(f64({0, 1, -2})).allclose(torch::full({3}, std::exp(-1.0), kF64), 1e-12, 1e-12));
  check_moments(dist::Gumbel(scalar(1.0), 2.0), 3);
  check_quantiles(dist::Gumbel(scalar(1.0), 2.0), 4);
  check_cdf_round_trip(dist::Gumbel(scalar(1.0), 2.0));
  check_rsample_gradients([](const auto& p) { return std::make_shared<dist::Gumbel>(p[0], p[1]); },
                          {0.5, 1.5});
  check_shapes(d);
  CHECK(d.support()->to_string() == "real");
}

TEST_CASE("Weibull") {
  const dist::Weibull d(f64({1, 2, 0.5}), f64({1.5, 0.7, 3}));
  const std::vector<double> scales{1, 2, 0.5}, ks{1.5, 0.7, 3}, xs{0.3, 4, 0.6};
  std::vector<double> expected;
  for (size_t i = 0; i < 3; ++i) {
    const double r = xs[i] / scales[i];
    expected.push_back(
        std::log(ks[i] / scales[i] * std::pow(r, ks[i] - 1) * std::exp(-std::pow(r, ks[i]))));
  }
  check_relative(d.log_prob(f64(xs)), expected);
  check_close(d.mean(), f64(scales) * (1 + 1 / f64(ks)).lgamma().exp(), 1e-12);
  check_close(d.entropy(), kEulerGamma * (1 - 1 / f64(ks)) + (f64(scales) / f64(ks)).log() + 1,
              1e-12);
  // Concentration 1 is Exponential(1 / scale): variance scale^2.
  CHECK(dist::Weibull(scalar(2.0), 1.0).variance().item<double>() ==
        doctest::Approx(4.0).epsilon(1e-12));
  check_moments(dist::Weibull(scalar(2.0), 1.5), 5);
  check_quantiles(dist::Weibull(scalar(2.0), 1.5), 6);
  check_cdf_round_trip(dist::Weibull(scalar(2.0), 1.5));
  check_rsample_gradients([](const auto& p) { return std::make_shared<dist::Weibull>(p[0], p[1]); },
                          {2.0, 1.5});
  check_shapes(d);
  CHECK(d.support()->to_string() == "positive");
}

TEST_CASE("Pareto") {
  const dist::Pareto d(f64({1, 2, 0.5}), f64({3, 0.8, 6}));
  const std::vector<double> scales{1, 2, 0.5}, alphas{3, 0.8, 6}, xs{1.2, 40, 0.5};
  std::vector<double> expected;
  for (size_t i = 0; i < 3; ++i) {
    expected.push_back(
        std::log(alphas[i] * std::pow(scales[i], alphas[i]) / std::pow(xs[i], alphas[i] + 1)));
  }
  check_relative(d.log_prob(f64(xs)), expected);
  const auto mean = d.mean();
  CHECK(mean[0].item<double>() == doctest::Approx(1.5).epsilon(1e-12));
  CHECK(mean[1].item<double>() == kInf);
  const auto variance = d.variance();
  CHECK(variance[0].item<double>() == doctest::Approx(0.75).epsilon(1e-12));  // 3 / (4 * 1)
  CHECK(variance[1].item<double>() == kInf);
  check_close(d.entropy(), (f64(scales) / f64(alphas)).log() + 1 + 1 / f64(alphas), 1e-12);
  CHECK(d.support()->check(f64({1, 1.9, 0.5})).equal(torch::tensor({true, false, true})));
  check_moments(dist::Pareto(scalar(1.5), 10.0), 7);
  check_quantiles(dist::Pareto(scalar(1.5), 10.0), 8);
  check_cdf_round_trip(dist::Pareto(scalar(1.5), 10.0));
  check_rsample_gradients([](const auto& p) { return std::make_shared<dist::Pareto>(p[0], p[1]); },
                          {1.5, 3.0});
  check_shapes(d);
  CHECK(contains(what_of([&] { d.log_prob(f64({1.2, 1, 0.6})); }), "Pareto: value out of support"));
}

TEST_CASE("HalfNormal") {
  const dist::HalfNormal d(f64({1, 0.5, 3}));
  const std::vector<double> scales{1, 0.5, 3}, xs{0.3, 1.7, 0};
  std::vector<double> expected;
  for (size_t i = 0; i < 3; ++i) {
    const double z = xs[i] / scales[i];
    expected.push_back(std::log(2 / (scales[i] * std::sqrt(2 * kPi)) * std::exp(-z * z / 2)));
  }
  check_relative(d.log_prob(f64(xs)), expected);
  check_close(d.mean(), f64(scales) * std::sqrt(2 / kPi), 1e-12);
  check_close(d.entropy(), 0.5 * std::log(kPi / 2) + f64(scales).log() + 0.5, 1e-12);
  check_moments(dist::HalfNormal(scalar(1.7)), 9);
  check_quantiles(dist::HalfNormal(scalar(1.7)), 10);
  check_cdf_round_trip(dist::HalfNormal(scalar(1.7)));
  // Half the mass of Normal(0, scale) lies within 0.6745 scale.
  CHECK(dist::HalfNormal(2.0).cdf(f64({2 * 0.6744897501960817})).item<double>() ==
        doctest::Approx(0.5).epsilon(1e-12));
  check_rsample_gradients([](const auto& p) { return std::make_shared<dist::HalfNormal>(p[0]); },
                          {1.7});
  check_shapes(d);
  CHECK(d.support()->to_string() == "nonnegative");
  // As PyTorch builds it: Normal(0, scale) folded by Abs, which has no change of variables.
  const auto* normal = dynamic_cast<const dist::Normal*>(d.base().get());
  REQUIRE(normal != nullptr);
  CHECK(normal->loc().eq(0).all().item<bool>());
  CHECK(normal->scale().equal(d.scale()));
  REQUIRE(d.transforms().size() == 1);
  CHECK(d.transforms()[0]->name() == "Abs");
  CHECK_THROWS_AS(d.transforms()[0]->log_abs_det_jacobian(f64({1}), f64({1})), std::logic_error);
  ValidationScope off(false);
  CHECK(d.log_prob(f64({-1, 1, 1}))[0].item<double>() == -kInf);
}

TEST_CASE("HalfCauchy") {
  const dist::HalfCauchy d(f64({1, 0.5, 3}));
  const std::vector<double> scales{1, 0.5, 3}, xs{0.3, 1.7, 0};
  std::vector<double> expected;
  for (size_t i = 0; i < 3; ++i) {
    const double z = xs[i] / scales[i];
    expected.push_back(std::log(2 / (kPi * scales[i] * (1 + z * z))));
  }
  check_relative(d.log_prob(f64(xs)), expected);
  CHECK(d.mean().sizes() == torch::IntArrayRef{3});
  CHECK(torch::isinf(d.mean()).all().item<bool>());
  CHECK(torch::isinf(d.variance()).all().item<bool>());
  check_close(d.entropy(), (2 * kPi * f64(scales)).log(), 1e-12);
  // The median is the scale.
  CHECK(dist::HalfCauchy(scalar(2.0)).icdf(f64({0.5})).item<double>() == doctest::Approx(2.0));
  check_quantiles(dist::HalfCauchy(scalar(2.0)), 11);
  check_cdf_round_trip(dist::HalfCauchy(scalar(2.0)));
  check_rsample_gradients([](const auto& p) { return std::make_shared<dist::HalfCauchy>(p[0]); },
                          {2.0});
  check_shapes(d);
  const auto* cauchy = dynamic_cast<const dist::Cauchy*>(d.base().get());
  REQUIRE(cauchy != nullptr);
  CHECK(cauchy->scale().equal(d.scale()));
  ValidationScope off(false);
  CHECK(d.log_prob(f64({-1, 1, 1}))[0].item<double>() == -kInf);
}

TEST_CASE("argument and support validation name the distribution and the argument") {
  const auto bad = f64({1, -1});
  CHECK(contains(what_of([&] { dist::LogNormal(0.0, bad); }),
                 "LogNormal: argument 'scale' must be positive, found -1 (at index 1)"));
  CHECK(contains(what_of([&] { dist::LogNormal(f64({NAN}), 1.0); }),
                 "LogNormal: argument 'loc' must be real"));
  CHECK(contains(what_of([&] { dist::Gumbel(0.0, bad); }),
                 "Gumbel: argument 'scale' must be positive"));
  CHECK(contains(what_of([&] { dist::Weibull(bad, 1.0); }),
                 "Weibull: argument 'scale' must be positive"));
  CHECK(contains(what_of([&] { dist::Weibull(1.0, bad); }),
                 "Weibull: argument 'concentration' must be positive"));
  CHECK(contains(what_of([&] { dist::Pareto(bad, 1.0); }),
                 "Pareto: argument 'scale' must be positive"));
  CHECK(contains(what_of([&] { dist::Pareto(1.0, bad); }),
                 "Pareto: argument 'alpha' must be positive"));
  CHECK(contains(what_of([&] { dist::HalfNormal{bad}; }),
                 "HalfNormal: argument 'scale' must be positive, found -1 (at index 1)"));
  CHECK(contains(what_of([&] { dist::HalfCauchy(0.0); }),
                 "HalfCauchy: argument 'scale' must be positive"));
  CHECK(contains(what_of([&] {
                   dist::LogNormal(f64({0, 0}), f64({1, 1, 1}));
                 }),
                 "LogNormal: loc and scale"));

  CHECK(contains(what_of([] { dist::HalfNormal(1.0).log_prob(f64({-0.5})); }),
                 "HalfNormal: value out of support nonnegative"));
  CHECK(contains(what_of([] { dist::HalfCauchy(1.0).log_prob(f64({-0.5})); }),
                 "HalfCauchy: value out of support"));
  CHECK(contains(what_of([] { dist::LogNormal(0.0, 1.0).log_prob(f64({-0.5})); }),
                 "LogNormal: value out of support positive"));
  CHECK(contains(what_of([] { dist::Weibull(1.0, 1.0).log_prob(f64({0})); }),
                 "Weibull: value out of support"));

  ValidationScope off(false);
  CHECK(what_of([&] { dist::HalfNormal{bad}; }) == "(nothing thrown)");
  CHECK(what_of([&] { dist::LogNormal(0.0, bad); }) == "(nothing thrown)");
}

TEST_CASE("numbers and float32 tensors as arguments") {
  const dist::Weibull weibull(torch::ones({2}, torch::kFloat32), 2);
  CHECK(weibull.concentration().dtype() == torch::kFloat32);
  CHECK(weibull.rsample({3}).dtype() == torch::kFloat32);
  const dist::LogNormal log_normal(0, 1);
  CHECK(log_normal.batch_shape().empty());
  CHECK(log_normal.sample().dim() == 0);
  CHECK(dist::HalfCauchy(torch::ones({4}, torch::kFloat32)).sample().dtype() == torch::kFloat32);
  CHECK(dist::Gumbel(0.0, torch::ones({2, 1})).batch_shape() == Shape{2, 1});
  // float32 Gumbel draws stay finite (the uniform is kept off 0 and 1).
  CHECK(torch::isfinite(
            dist::Gumbel(0.0, torch::ones({1}, torch::kFloat32)).sample({100000}, generator(1)))
            .all()
            .item<bool>());
}

}  // namespace test_transformed_distributions
