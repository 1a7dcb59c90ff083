// Distributions: closed-form log-probs, pathwise gradients, seeded sampling, shapes and validation.

#include <doctest/doctest.h>
#include <torch/torch.h>
#include "tests/support.h"

#include "ppl/distributions/bernoulli.h"
#include "ppl/distributions/categorical.h"
#include "ppl/distributions/delta.h"
#include "ppl/distributions/normal.h"
#include "ppl/distributions/uniform.h"
#include "ppl/distributions/unit.h"

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace test_distributions {

namespace dist = ppl::dist;

using ppl::testing::contains;

using ppl::testing::generator;
using ppl::testing::invalid_argument_of;
using ppl::testing::ValidationScope;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);
const double kHalfLog2Pi = 0.5 * std::log(2 * 3.14159265358979323846);
const double kInf = std::numeric_limits<double>::infinity();

torch::Tensor f64(std::vector<double> values) {
  return torch::tensor(values, kF64);
}

void check_close(const torch::Tensor& actual, const torch::Tensor& expected, double tol = 1e-12) {
  INFO("actual: " << actual << "\nexpected: " << expected);
  REQUIRE(actual.sizes() == expected.sizes());
  CHECK(torch::allclose(actual, expected.to(actual.dtype()), tol, tol, /*equal_nan=*/false));
}

}  // namespace

TEST_CASE("Normal log_prob, mean, variance and entropy match the closed form") {
  const auto loc = f64({0, 1, -2});
  const auto scale = f64({1, 2, 0.5});
  const dist::Normal normal(loc, scale);
  const auto log_prob = normal.log_prob(f64({0.5, 3, -2}));
  check_close(log_prob, f64({-0.125 - kHalfLog2Pi, -0.5 - std::log(2.0) - kHalfLog2Pi,
                             -std::log(0.5) - kHalfLog2Pi}));
  check_close(normal.mean(), loc);
  check_close(normal.variance(), f64({1, 4, 0.25}));
  check_close(normal.entropy(), f64({0.5 + kHalfLog2Pi, 0.5 + kHalfLog2Pi + std::log(2.0),
                                     0.5 + kHalfLog2Pi + std::log(0.5)}));
}

TEST_CASE("Normal broadcasts its parameters and follows their dtype") {
  const dist::Normal normal(torch::zeros({2, 1}), torch::ones({3}));
  CHECK(normal.batch_shape() == dist::Shape{2, 3});
  CHECK(normal.event_shape().empty());

  const dist::Normal scalar_scale(torch::zeros({4}, torch::kFloat32), 2.0);
  CHECK(scalar_scale.scale().dtype() == torch::kFloat32);
  CHECK(scalar_scale.batch_shape() == dist::Shape{4});
  CHECK(scalar_scale.rsample({5}).dtype() == torch::kFloat32);
  CHECK(scalar_scale.log_prob(torch::zeros({4})).dtype() == torch::kFloat32);
  CHECK(scalar_scale.variance().allclose(torch::full({4}, 4.0)));

  CHECK(contains(invalid_argument_of([] { dist::Normal(torch::zeros({2}), torch::ones({3})); }),
                 "(2) and (3)"));
}

TEST_CASE("Normal::rsample is pathwise differentiable") {
  const int64_t n = 6;
  auto loc = torch::full({n}, 0.5, kF64).requires_grad_();
  auto scale = torch::full({n}, 2.0, kF64).requires_grad_();
  const auto z = dist::Normal(loc, scale).rsample({}, generator(7));
  z.sum().backward();
  const auto eps = at::randn({n}, generator(7), kF64);
  check_close(z.detach(), 0.5 + 2.0 * eps);
  CHECK(loc.grad().sum().item<double>() == doctest::Approx(n));
  check_close(scale.grad(), eps);

  // d mean(z^2) / d scale_i = 2 z_i eps_i / n and d mean(z^2) / d loc_i = 2 z_i / n.
  loc.mutable_grad().zero_();
  scale.mutable_grad().zero_();
  const auto z2 = dist::Normal(loc, scale).rsample({}, generator(7));
  z2.square().mean().backward();
  check_close(scale.grad(), 2 * z2.detach() * eps / n);
  check_close(loc.grad(), 2 * z2.detach() / n);
}

TEST_CASE("seeded sampling is reproducible and sample() carries no gradient") {
  const auto loc = torch::zeros({3}, kF64).requires_grad_();
  const dist::Normal normal(loc, 1.0);
  CHECK(torch::equal(normal.rsample({4}, generator(1)), normal.rsample({4}, generator(1))));
  CHECK(!torch::equal(normal.rsample({4}, generator(1)), normal.rsample({4}, generator(2))));
  CHECK(normal.rsample({4}).requires_grad());
  CHECK(!normal.sample({4}).requires_grad());
  CHECK(normal.rsample({4, 2}).sizes() == torch::IntArrayRef{4, 2, 3});

  const auto bernoulli = dist::Bernoulli(f64({0.1, 0.5, 0.9}));
  CHECK(torch::equal(bernoulli.sample({50}, generator(3)), bernoulli.sample({50}, generator(3))));
  CHECK(!torch::equal(bernoulli.sample({50}, generator(3)), bernoulli.sample({50}, generator(4))));

  const dist::Uniform uniform(f64({0}), f64({1}));
  CHECK(torch::equal(uniform.rsample({8}, generator(5)), uniform.rsample({8}, generator(5))));

  const dist::Categorical categorical(f64({0.2, 0.3, 0.5}));
  CHECK(
      torch::equal(categorical.sample({30}, generator(6)), categorical.sample({30}, generator(6))));
}

TEST_CASE("Bernoulli log_prob from probs and from logits") {
  const dist::Bernoulli from_probs(f64({0.2, 0.7}));
  check_close(from_probs.log_prob(f64({1, 0})), f64({std::log(0.2), std::log(0.3)}));
  check_close(from_probs.mean(), f64({0.2, 0.7}));
  check_close(from_probs.variance(), f64({0.16, 0.21}));
  check_close(from_probs.entropy(), f64({-(0.2 * std::log(0.2) + 0.8 * std::log(0.8)),
                                         -(0.7 * std::log(0.7) + 0.3 * std::log(0.3))}));
  CHECK(!from_probs.has_rsample());

  const auto from_logits = dist::Bernoulli::from_logits(f64({0, 2, -3}));
  check_close(from_logits.log_prob(f64({1, 1, 0})),
              f64({-std::log(2.0), -std::log1p(std::exp(-2.0)), -std::log1p(std::exp(-3.0))}));
  check_close(from_logits.probs(), f64({0.5, 1 / (1 + std::exp(-2.0)), 1 / (1 + std::exp(3.0))}));

  // log_prob broadcasts value against batch_shape.
  CHECK(from_logits.log_prob(torch::zeros({4, 3}, kF64)).sizes() == torch::IntArrayRef{4, 3});
  CHECK(from_logits.log_prob(torch::zeros({}, kF64)).sizes() == torch::IntArrayRef{3});
}

TEST_CASE("Bernoulli stays finite at extreme logits and probs 0 and 1") {
  const auto extreme = dist::Bernoulli::from_logits(f64({50, -50}));
  const auto ones = extreme.log_prob(f64({1, 1}));
  const auto zeros = extreme.log_prob(f64({0, 0}));
  CHECK(torch::isfinite(ones).all().item<bool>());
  CHECK(torch::isfinite(zeros).all().item<bool>());
  check_close(ones, f64({-std::log1p(std::exp(-50.0)), -50 - std::log1p(std::exp(-50.0))}));
  check_close(zeros, f64({-50 - std::log1p(std::exp(-50.0)), -std::log1p(std::exp(-50.0))}));

  for (auto dtype : {torch::kFloat32, torch::kFloat64}) {
    const dist::Bernoulli saturated(torch::tensor({0.0, 1.0}, dtype));
    const auto eps = dtype == torch::kFloat32 ? std::numeric_limits<float>::epsilon()
                                              : std::numeric_limits<double>::epsilon();
    const auto wrong = saturated.log_prob(torch::tensor({1.0, 0.0}, dtype));
    CHECK(torch::isfinite(wrong).all().item<bool>());
    CHECK(wrong[0].item<double>() == doctest::Approx(std::log(eps)).epsilon(1e-4));
    const auto right = saturated.log_prob(torch::tensor({0.0, 1.0}, dtype));
    CHECK(right.abs().max().item<double>() < 1e-6);
  }
}

TEST_CASE("Bernoulli validates probs and the boolean support") {
  ValidationScope on(true);
  // Values outside [0, 1] may be logits passed as probs: the message names the logits form.
  CHECK(invalid_argument_of([] {
          dist::Bernoulli(f64({0.5, 1.5}));
        }) ==
        "Bernoulli: argument 'probs' must be unit_interval, found 1.5 (at index 1); if these are "
        "logits, use Bernoulli::from_logits(logits)");
  CHECK(contains(invalid_argument_of([] {
                   dist::Bernoulli(f64({-2.0, 0.5}));
                 }),
                 "found -2 (at index 0); if these are logits, use Bernoulli::from_logits"));
  // NaN is not in [0, 1] either, but it does not look like a logit.
  CHECK(invalid_argument_of([] { dist::Bernoulli(f64({NAN})); }) ==
        "Bernoulli: argument 'probs' must be unit_interval, found nan (at index 0)");
  CHECK(contains(invalid_argument_of([] {
                   dist::Bernoulli::from_logits(f64({0, NAN}));
                 }),
                 "'logits'"));

  const dist::Bernoulli bernoulli(f64({0.25}));
  CHECK(contains(invalid_argument_of([&] { bernoulli.log_prob(f64({0.5})); }), "boolean"));
  // Soft targets are accepted when validation is off, as the VAE's pixel likelihood needs.
  const dist::Bernoulli lenient(f64({0.25}), /*validate_args=*/false);
  check_close(lenient.log_prob(f64({0.5})), f64({0.5 * std::log(0.25) + 0.5 * std::log(0.75)}));
}

TEST_CASE("Uniform log_prob inside and outside, moments and validation") {
  const dist::Uniform uniform(f64({0, -1}), f64({2, 3}));
  check_close(uniform.log_prob(f64({1, 0})), f64({-std::log(2.0), -std::log(4.0)}));
  check_close(uniform.mean(), f64({1, 1}));
  check_close(uniform.variance(), f64({4.0 / 12, 16.0 / 12}));
  check_close(uniform.entropy(), f64({std::log(2.0), std::log(4.0)}));

  const dist::Uniform lenient(f64({0, -1}), f64({2, 3}), false);
  check_close(lenient.log_prob(f64({2.5, -1})), f64({-kInf, -std::log(4.0)}));
  {
    ValidationScope on(true);
    CHECK(contains(invalid_argument_of([&] { uniform.log_prob(f64({2.5, 0})); }), "2.5"));
    const auto message = invalid_argument_of([] { dist::Uniform(f64({0, 3}), f64({1, 2})); });
    CHECK(contains(message, "'low'"));
    CHECK(contains(message, "found 3 (at index 1)"));
    CHECK(contains(message, "Uniform: argument 'low' must be less_than(tensor of shape (2))"));
  }

  const auto draws = uniform.rsample({1000}, generator(11));
  CHECK(draws.sizes() == torch::IntArrayRef{1000, 2});
  CHECK((draws.select(1, 0) >= 0).all().item<bool>());
  CHECK((draws.select(1, 0) < 2).all().item<bool>());
  CHECK((draws.select(1, 1) >= -1).all().item<bool>());
  CHECK((draws.select(1, 1) < 3).all().item<bool>());
}

TEST_CASE("Categorical log_prob, normalisation, entropy and sampling") {
  const dist::Categorical categorical(f64({1, 2, 1, 3, 1, 0}).reshape({2, 3}));
  CHECK(categorical.batch_shape() == dist::Shape{2});
  CHECK(categorical.event_shape().empty());
  check_close(categorical.probs(), f64({0.25, 0.5, 0.25, 0.75, 0.25, 0}).reshape({2, 3}));
  const auto values = torch::tensor({1, 0}, torch::kLong);
  check_close(categorical.log_prob(values), f64({std::log(0.5), std::log(0.75)}));
  CHECK(categorical.log_prob(torch::zeros({5, 2}, torch::kLong)).sizes() ==
        torch::IntArrayRef{5, 2});
  check_close(categorical.log_prob(torch::tensor(0, torch::kLong)),
              f64({std::log(0.25), std::log(0.75)}));
  check_close(categorical.entropy(), f64({-(0.5 * std::log(0.25) + 0.5 * std::log(0.5)),
                                          -(0.75 * std::log(0.75) + 0.25 * std::log(0.25))}));

  const auto from_logits = dist::Categorical::from_logits(f64({0, std::log(2.0), std::log(3.0)}));
  check_close(from_logits.logits(), f64({std::log(1.0 / 6), std::log(2.0 / 6), std::log(0.5)}));
  check_close(from_logits.log_prob(torch::tensor(2, torch::kLong)),
              torch::tensor(std::log(0.5), kF64));

  // 20000 draws: each frequency's standard deviation is below 0.0036; allow 4.5 of them.
  const dist::Categorical three(f64({0.2, 0.3, 0.5}));
  const auto draws = three.sample({20000}, generator(12));
  CHECK(draws.dtype() == torch::kLong);
  CHECK(draws.sizes() == torch::IntArrayRef{20000});
  const auto frequencies = torch::bincount(draws, {}, 3).to(torch::kFloat64) / 20000;
  CHECK((frequencies - f64({0.2, 0.3, 0.5})).abs().max().item<double>() < 0.016);
  CHECK(categorical.sample({4, 5}).sizes() == torch::IntArrayRef{4, 5, 2});
}

TEST_CASE("Categorical validates probs and the integer support") {
  ValidationScope on(true);
  const auto message = invalid_argument_of([] { dist::Categorical(f64({0.5, -0.5, 1})); });
  CHECK(contains(message, "'probs'"));
  CHECK(contains(message, "-0.5"));
  CHECK(contains(invalid_argument_of([] { dist::Categorical(torch::tensor(1.0)); }), "probs"));
  const dist::Categorical categorical(f64({0.2, 0.3, 0.5}));
  CHECK(contains(invalid_argument_of([&] { categorical.log_prob(torch::tensor(3)); }),
                 "integer_interval(0, 2)"));
  CHECK(contains(invalid_argument_of([&] { categorical.log_prob(f64({1.5})); }), "1.5"));
}

TEST_CASE("Delta puts all mass on v") {
  const auto v = f64({1, 2});
  const dist::Delta point(v);
  CHECK(point.batch_shape() == dist::Shape{2});
  check_close(point.log_prob(f64({1, 3})), f64({0, -kInf}));

  const dist::Delta event(v, torch::tensor(0.5, kF64), /*event_dim=*/1);
  CHECK(event.batch_shape().empty());
  CHECK(event.event_shape() == dist::Shape{2});
  check_close(event.log_prob(v), torch::tensor(0.5, kF64));
  check_close(event.log_prob(f64({1, 3})), torch::tensor(-kInf, kF64));
  check_close(event.log_prob(torch::stack({v, f64({0, 2})})), f64({0.5, -kInf}));
  check_close(event.variance(), f64({0, 0}));

  const auto leaf = v.clone().requires_grad_();
  const auto draws = dist::Delta(leaf).rsample({3});
  CHECK(draws.sizes() == torch::IntArrayRef{3, 2});
  draws.sum().backward();
  check_close(leaf.grad(), f64({3, 3}));
  CHECK(contains(invalid_argument_of([&] { dist::Delta(v, {}, 2); }), "event_dim 2"));
}

TEST_CASE("Unit carries a log factor on empty values") {
  const auto log_factor = f64({1.5, -2});
  const dist::Unit unit(log_factor);
  CHECK(unit.batch_shape() == dist::Shape{2});
  CHECK(unit.event_shape() == dist::Shape{0});
  const auto value = unit.sample({3});
  CHECK(value.sizes() == torch::IntArrayRef{3, 2, 0});
  CHECK(value.dtype() == torch::kFloat64);
  check_close(unit.log_prob(value), log_factor.expand({3, 2}));
  check_close(unit.log_prob(unit.rsample()), log_factor);
}

TEST_CASE("to_event sums log_prob over reinterpreted dims") {
  const auto loc = torch::arange(6, kF64).reshape({2, 3});
  const dist::Normal normal(loc, 1.5);
  const auto value = torch::linspace(-1, 1, 6, kF64).reshape({2, 3});

  const auto one = normal.to_event(1);
  CHECK(one.batch_shape() == dist::Shape{2});
  CHECK(one.event_shape() == dist::Shape{3});
  CHECK(one.has_rsample());
  check_close(one.log_prob(value), normal.log_prob(value).sum(-1));
  check_close(one.entropy(), normal.entropy().sum(-1));
  CHECK(one.rsample({4}).sizes() == torch::IntArrayRef{4, 2, 3});

  const auto both = one.to_event(1);
  CHECK(both.reinterpreted_batch_ndims() == 2);
  CHECK(std::dynamic_pointer_cast<const dist::Normal>(both.base()) != nullptr);
  CHECK(both.batch_shape().empty());
  CHECK(both.event_shape() == dist::Shape{2, 3});
  check_close(both.log_prob(value), normal.log_prob(value).sum());
  CHECK(both.log_prob(value.expand({5, 2, 3})).sizes() == torch::IntArrayRef{5});

  const auto message = invalid_argument_of([&] { normal.to_event(3); });
  CHECK(contains(message, "to_event(3)"));
  CHECK(contains(message, "Normal has batch_shape (2, 3)"));
  CHECK(!dist::Bernoulli(f64({0.5})).to_event(1).has_rsample());
}

TEST_CASE("mask zeroes log_prob where the mask is false") {
  const dist::Normal normal(f64({0, 1, 2, 3}), 1.0);
  const auto value = f64({0.5, 0.5, 0.5, 0.5});
  const auto base = normal.log_prob(value);

  const auto masked = normal.mask(torch::tensor({true, false, true, false}));
  check_close(masked.log_prob(value), base * f64({1, 0, 1, 0}));
  check_close(normal.mask(torch::tensor(false)).log_prob(value), torch::zeros({4}, kF64));
  check_close(normal.mask(torch::tensor(true)).log_prob(value), base);

  const dist::Normal grid(torch::zeros({2, 3}, kF64), 1.0);
  const auto rows = grid.mask(torch::tensor({true, false}).reshape({2, 1})).to_event(1);
  CHECK(rows.batch_shape() == dist::Shape{2});
  const auto lp = rows.log_prob(torch::zeros({2, 3}, kF64));
  check_close(lp, f64({3 * -kHalfLog2Pi, 0}));

  auto loc = f64({0, 1}).requires_grad_();
  dist::Normal(loc, 1.0).mask(torch::tensor({false, true})).log_prob(f64({2, 2})).sum().backward();
  check_close(loc.grad(), f64({0, 1}));

  CHECK(contains(invalid_argument_of([&] { normal.mask(torch::ones({4})); }), "bool"));
  const auto message = invalid_argument_of([&] { normal.mask(torch::ones({3}, torch::kBool)); });
  CHECK(contains(message, "(3)"));
  CHECK(contains(message, "(4)"));
}

TEST_CASE("expand broadcasts parameters without copying and keeps the type") {
  const auto loc = f64({0, 1, 2});
  const dist::Normal normal(loc, f64({1, 1, 1}));
  const auto expanded = normal.expand({2, 3});
  const auto as_normal = std::dynamic_pointer_cast<const dist::Normal>(expanded.ptr());
  REQUIRE(as_normal != nullptr);
  CHECK(as_normal->batch_shape() == dist::Shape{2, 3});
  CHECK(as_normal->loc().data_ptr() == loc.data_ptr());
  CHECK(as_normal->loc().stride(0) == 0);
  CHECK(expanded->log_prob(torch::zeros({2, 3}, kF64)).sizes() == torch::IntArrayRef{2, 3});
  const auto message = invalid_argument_of([&] { normal.expand({2, 4}); });
  CHECK(contains(message, "Normal"));
  CHECK(contains(message, "(3)"));
  CHECK(contains(message, "(2, 4)"));

  const auto categorical = dist::Categorical(f64({1, 1, 2, 2}).reshape({2, 2})).expand({5, 2});
  CHECK(std::dynamic_pointer_cast<const dist::Categorical>(categorical.ptr()) != nullptr);
  CHECK(categorical->batch_shape() == dist::Shape{5, 2});
  CHECK(categorical->sample().sizes() == torch::IntArrayRef{5, 2});

  const auto independent = normal.to_event(1).expand({4});
  CHECK(std::dynamic_pointer_cast<const dist::Independent>(independent.ptr()) != nullptr);
  CHECK(independent->batch_shape() == dist::Shape{4});
  CHECK(independent->event_shape() == dist::Shape{3});
  CHECK(independent->rsample().sizes() == torch::IntArrayRef{4, 3});

  const auto masked = normal.mask(torch::tensor(true)).expand({2, 3});
  CHECK(std::dynamic_pointer_cast<const dist::MaskedDistribution>(masked.ptr()) != nullptr);
  CHECK(masked->batch_shape() == dist::Shape{2, 3});

  CHECK(dist::Bernoulli(f64({0.5})).expand({3})->batch_shape() == dist::Shape{3});
  CHECK(dist::Uniform(f64({0}), f64({1})).expand({3})->rsample().sizes() == torch::IntArrayRef{3});
  const auto delta = dist::Delta(loc, {}, 1).expand({2});
  CHECK(delta->rsample().sizes() == torch::IntArrayRef{2, 3});
  CHECK(dist::Unit(f64({0})).expand({5})->sample().sizes() == torch::IntArrayRef{5, 0});
  CHECK(contains(invalid_argument_of([] { dist::Unit(f64({0, 1})).expand({3}); }), "Unit"));
}

TEST_CASE("argument validation names the argument and can be switched off") {
  const auto negative_scale = [] { dist::Normal(f64({0, 0, 0, 0}), f64({1, 1, 1, -1})); };
  {
    ValidationScope on(true);
    const auto message = invalid_argument_of(negative_scale);
    CHECK(contains(message, "Normal"));
    CHECK(contains(message, "'scale'"));
    CHECK(contains(message, "positive"));
    CHECK(contains(message, "found -1 (at index 3)"));
    CHECK(contains(invalid_argument_of([] { dist::Normal(f64({NAN}), 1.0); }), "'loc'"));
    CHECK(contains(invalid_argument_of([] {
                     dist::Normal(torch::zeros({2, 2}, kF64), f64({1, 1, 0, 1}).reshape({2, 2}));
                   }),
                   "found 0 (at index (1, 0))"));
    CHECK(invalid_argument_of([] { dist::Normal(f64({0}), f64({-1}), false); }).empty());
    const dist::Normal normal(f64({0}), 1.0);
    CHECK(contains(invalid_argument_of([&] { normal.log_prob(f64({NAN})); }), "support real"));
  }
  {
    ValidationScope off(false);
    CHECK(invalid_argument_of(negative_scale).empty());
    CHECK(contains(invalid_argument_of([] { dist::Normal(f64({0}), f64({-1}), true); }), "scale"));
    CHECK(std::isnan(dist::Normal(f64({0}), 1.0).log_prob(f64({NAN})).item<double>()));
  }
}

TEST_CASE("draw, default methods and shape helpers") {
  const dist::Bernoulli bernoulli(f64({0.5, 0.5}));
  CHECK_THROWS_WITH_AS(bernoulli.rsample(), "Bernoulli has no rsample", std::logic_error);
  CHECK(bernoulli.draw({3}).sizes() == torch::IntArrayRef{3, 2});
  CHECK_THROWS_WITH_AS(dist::Unit(f64({0})).mean(), "mean not implemented for Unit",
                       std::logic_error);
  CHECK(bernoulli.extended_shape({4}) == dist::Shape{4, 2});

  CHECK(dist::shape_str({3, 4}) == "(3, 4)");
  CHECK(dist::shape_str({}) == "()");
  CHECK(dist::broadcast_shapes({3, 1}, {4}, "x") == dist::Shape{3, 4});
  CHECK(dist::broadcast_shapes({}, {2}, "x") == dist::Shape{2});
  CHECK(invalid_argument_of([] { dist::broadcast_shapes({3}, {4}, "plate 'data'"); }) ==
        "plate 'data': shapes (3) and (4) are not broadcastable");
}

TEST_CASE("Normal log_prob and its gradients agree with the formula for small and large tensors") {
  for (int64_t n : {1, 3, 200}) {  // small CPU tensors take a scalar loop, larger ones tensor ops
    CAPTURE(n);
    auto value = torch::linspace(-2, 3, n, torch::kDouble).requires_grad_(true);
    auto loc = torch::linspace(0.5, -0.5, n, torch::kDouble).requires_grad_(true);
    auto scale = torch::linspace(0.3, 2.0, n, torch::kDouble).requires_grad_(true);
    auto ours = ppl::dist::Normal(loc, scale).log_prob(value);
    auto formula = -0.5 * ((value - loc) / scale).square() - scale.log() - 0.5 * std::log(2 * M_PI);
    CHECK(torch::allclose(ours, formula, 1e-12, 1e-12));
    auto weights = torch::linspace(1, 2, n, torch::kDouble);
    auto g_ours = torch::autograd::grad({(ours * weights).sum()}, {value, loc, scale},
                                        /*grad_outputs=*/{}, /*retain_graph=*/true);
    auto g_formula = torch::autograd::grad({(formula * weights).sum()}, {value, loc, scale}, {},
                                           /*retain_graph=*/true);
    for (size_t i = 0; i < 3; ++i) CHECK(torch::allclose(g_ours[i], g_formula[i], 1e-12, 1e-12));
    // A plain sum hands back an expanded (stride 0) gradient.
    g_ours = torch::autograd::grad({ours.sum()}, {value, loc, scale});
    g_formula = torch::autograd::grad({formula.sum()}, {value, loc, scale});
    for (size_t i = 0; i < 3; ++i) CHECK(torch::allclose(g_ours[i], g_formula[i], 1e-12, 1e-12));
  }
  // Broadcasting: one loc and scale for many values.
  auto loc = torch::tensor(0.5, torch::kDouble).requires_grad_(true);
  auto value = torch::linspace(-1, 1, 5, torch::kDouble);
  auto lp = ppl::dist::Normal(loc, 2.0).log_prob(value);
  auto grad = torch::autograd::grad({lp.sum()}, {loc})[0];
  CHECK(grad.item<double>() ==
        doctest::Approx(((value - 0.5) / 4.0).sum().item<double>()).epsilon(1e-12));
}

TEST_CASE("numbers as arguments take the dtype and device of the tensors, else the default dtype") {
  CHECK(dist::Normal(0., 1.).loc().dtype() == torch::get_default_dtype());
  CHECK(dist::Normal(0, 1).scale().dtype() == torch::get_default_dtype());
  const dist::Normal mixed(f64({0, 1, 2}), 2.0);
  CHECK(mixed.scale().dtype() == torch::kFloat64);
  CHECK(mixed.batch_shape() == dist::Shape{3});
  check_close(mixed.scale(), f64({2, 2, 2}));
  const dist::Uniform uniform(-1.0, torch::ones({2, 1}, torch::kFloat64));
  CHECK(uniform.batch_shape() == dist::Shape{2, 1});
  CHECK(uniform.low().dtype() == torch::kFloat64);
  CHECK(contains(invalid_argument_of([] { dist::Normal(torch::zeros({2}), torch::ones({3})); }),
                 "Normal: loc and scale: shapes (2) and (3) are not broadcastable"));
}

TEST_CASE("the declarations: arg_constraints, support, and the generic expand") {
  const dist::Normal normal(f64({0, 1}), f64({1, 2}));
  const auto constraints = normal.arg_constraints();
  REQUIRE(constraints.size() == 2);
  CHECK(constraints[0].first == "loc");
  CHECK(constraints[0].second->to_string() == "real");
  CHECK(constraints[1].first == "scale");
  CHECK(constraints[1].second->to_string() == "positive");
  CHECK(normal.support()->to_string() == "real");
  // Built from probs, a Bernoulli has no logits argument (and the reverse).
  CHECK(dist::Bernoulli(0.3).arg_constraints().size() == 1);
  CHECK(dist::Bernoulli::from_logits(0.3).arg_constraints().at(0).first == "logits");
  // A dependent support is built from the parameters.
  const dist::Uniform uniform(f64({0, 1}), f64({1, 3}));
  CHECK(uniform.support()->check(f64({0.5, 0.5})).equal(torch::tensor({true, false})));
  // expand broadcasts every declared argument (views, no copies).
  const auto expanded = normal.expand({3, 2});
  const auto& expanded_normal = static_cast<const dist::Normal&>(*expanded);
  CHECK(expanded_normal.scale().sizes() == torch::IntArrayRef{3, 2});
  CHECK(expanded_normal.scale().data_ptr() == normal.scale().data_ptr());
  CHECK(contains(invalid_argument_of([&] { normal.expand({3}); }),
                 "Normal: cannot expand batch_shape (2) to (3)"));
}

TEST_CASE("log_prob checks the value's shape and names the event that violates the support") {
  ValidationScope on(true);
  const dist::Normal normal(torch::zeros({4}, torch::kFloat64), 1.0);
  CHECK(invalid_argument_of([&] {
          normal.log_prob(torch::zeros({3, 2}, torch::kFloat64));
        }) == "Normal: value of shape (3, 2) does not fit batch_shape (4) and event_shape ()");
  CHECK(normal.log_prob(torch::zeros({5, 4}, torch::kFloat64)).sizes() == torch::IntArrayRef{5, 4});
  const auto normals = normal.to_event(1);
  CHECK(contains(invalid_argument_of([&] { normals.log_prob(torch::zeros({3}, torch::kFloat64)); }),
                 "Normal: value of shape (3) does not fit batch_shape (4)"));
  CHECK(invalid_argument_of([] {
          dist::Categorical(f64({0.5, -0.5, 1}));
        }) ==
        "Categorical: argument 'probs' must be simplex, found (0.5, -0.5, 1); if these are "
        "logits, use Categorical::from_logits(logits)");
}

TEST_CASE("cdf and icdf of Normal and Uniform invert each other") {
  const dist::Normal normal(f64({0, 1}), f64({1, 2}));
  check_close(normal.cdf(f64({0, 1})), f64({0.5, 0.5}));
  check_close(normal.cdf(f64({1.959963984540054, 1 + 2 * 1.959963984540054})), f64({0.975, 0.975}),
              1e-12);
  check_close(normal.icdf(normal.cdf(f64({-0.7, 2.5}))), f64({-0.7, 2.5}), 1e-12);
  const dist::Uniform uniform(f64({0, -1}), f64({2, 3}));
  check_close(uniform.cdf(f64({0.5, 2})), f64({0.25, 0.75}));
  check_close(uniform.icdf(f64({0.25, 0.75})), f64({0.5, 2}));
}

}  // namespace test_distributions
