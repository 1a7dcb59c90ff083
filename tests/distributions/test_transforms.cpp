// Transforms: round trips, log-det Jacobians against autograd, domains and codomains, shapes,
// event-dim bookkeeping, and the biject_to / transform_to registrations.

#include <doctest/doctest.h>
#include <torch/torch.h>
#include "tests/support.h"

#include "ppl/distributions/constraints.h"
#include "ppl/distributions/transforms/affine.h"
#include "ppl/distributions/transforms/biject_to.h"
#include "ppl/distributions/transforms/compose.h"
#include "ppl/distributions/transforms/corr_cholesky.h"
#include "ppl/distributions/transforms/exp.h"
#include "ppl/distributions/transforms/independent.h"
#include "ppl/distributions/transforms/lower_cholesky.h"
#include "ppl/distributions/transforms/positive_definite.h"
#include "ppl/distributions/transforms/power.h"
#include "ppl/distributions/transforms/scaled_sigmoid.h"
#include "ppl/distributions/transforms/sigmoid.h"
#include "ppl/distributions/transforms/softmax.h"
#include "ppl/distributions/transforms/softplus.h"
#include "ppl/distributions/transforms/stick_breaking.h"
#include "ppl/distributions/transforms/tanh.h"

#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_transforms {

namespace constraints = ppl::constraints;
namespace transforms = ppl::transforms;
using ppl::testing::contains;
using ppl::testing::what_of;
using transforms::Shape;
using transforms::TransformPtr;

using ppl::testing::generator;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

torch::Tensor f64(std::vector<double> values) {
  return torch::tensor(values, kF64);
}

void check_close(const torch::Tensor& actual, const torch::Tensor& expected, double tol = 1e-10) {
  INFO("actual: " << actual << "\nexpected: " << expected);
  REQUIRE(actual.sizes() == expected.sizes());
  CHECK(torch::allclose(actual, expected.to(actual.dtype()), tol, tol));
}

bool all_true(const torch::Tensor& flags) {
  return flags.all().item<bool>();
}

/// The Jacobian d f(x)_i / d x_j of a map from a vector to a vector, by autograd, row by row.
torch::Tensor jacobian(const std::function<torch::Tensor(const torch::Tensor&)>& f,
                       const torch::Tensor& x) {
  const auto input = x.detach().clone().requires_grad_();
  const auto output = f(input);
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < output.size(0); ++i) {
    rows.push_back(torch::autograd::grad({output[i]}, {input}, {}, /*retain_graph=*/true)[0]);
  }
  return torch::stack(rows);
}

double log_abs_det(const torch::Tensor& matrix) {
  return std::get<1>(at::linalg_slogdet(matrix)).item<double>();
}

template <class T>
const T* as(const TransformPtr& transform) {
  return dynamic_cast<const T*>(transform.get());
}

/// Values > 2: a constraint type that only a user registration gives a transform.
class AboveTwo : public constraints::Constraint {
 public:
  std::string to_string() const override { return "above_two"; }
  torch::Tensor check(const torch::Tensor& value) const override { return value > 2; }
};

}  // namespace

TEST_CASE("elementwise transforms: round trip, codomain, sign and log-det against autograd") {
  struct Case {
    std::string label;
    TransformPtr transform;
    bool positive_domain;
  };
  const std::vector<Case> cases = {
      {"Tanh", std::make_shared<transforms::Tanh>(), false},
      {"Softplus", std::make_shared<transforms::Softplus>(), false},
      {"Power(2.5)", std::make_shared<transforms::Power>(2.5), true},
      {"Power(-0.5)", std::make_shared<transforms::Power>(-0.5), true},
      {"Power(tensor)", std::make_shared<transforms::Power>(f64({0.5, 3, -1.5, 2})), true},
      {"Exp", std::make_shared<transforms::Exp>(), false},
      {"Sigmoid", std::make_shared<transforms::Sigmoid>(), false},
      {"ScaledSigmoid(-1, 4)", std::make_shared<transforms::ScaledSigmoid>(-1.0, 4.0), false},
      {"Affine(1, -2)", std::make_shared<transforms::Affine>(1.0, -2.0), false},
      {"Affine(tensor)",
       std::make_shared<transforms::Affine>(f64({1, 2, 3, 4}), f64({2, -1, 3, 0.5})), false},
  };
  for (const auto& [label, transform, positive_domain] : cases) {
    CAPTURE(label);
    auto x = 1.5 * at::randn({3, 4}, generator(3), kF64);
    if (positive_domain) x = x.exp();
    CHECK(all_true(transform->domain()->check(x)));
    const auto y = transform->forward(x);
    CHECK(all_true(transform->codomain()->check(y)));
    check_close(transform->inverse(y), x, 1e-9);
    CHECK(transform->bijective());
    CHECK(transform->domain_event_dim() == 0);

    const auto input = x.clone().requires_grad_();
    const auto derivative = torch::autograd::grad({transform->forward(input).sum()}, {input})[0];
    const auto log_det = transform->log_abs_det_jacobian(x, y);
    check_close(log_det, derivative.abs().log(), 1e-8);
    if (transform->sign() != 0) {
      CHECK(all_true(derivative * transform->sign() > 0));
    }
  }
  CHECK(transforms::Power(-0.5).sign() == -1);
  CHECK(transforms::Power(f64({1, -1})).sign() == 0);
  CHECK(transforms::Affine(0.0, -2.0).sign() == -1);
}

TEST_CASE("ScaledSigmoid's one-node forward and log-det match the tensor ops, with derivatives") {
  const transforms::ScaledSigmoid transform(-1.0, 4.0);
  const auto x = f64({-30, -2, -0.5, 0, 0.7, 3, 30});
  const auto input = x.clone().requires_grad_();
  const auto [y, log_det] = transform.forward_with_log_abs_det_jacobian(input);  // small: fused
  check_close(y, transform.forward(x), 1e-12);
  check_close(log_det, transform.log_abs_det_jacobian(x, y), 1e-12);
  const auto grads =
      torch::autograd::grad({(y * 0.3 + log_det * 2).sum()}, {input}, {}, true, true);
  const auto reference = x.clone().requires_grad_();
  const auto expected = torch::autograd::grad(
      {(transform.forward(reference) * 0.3 + transform.log_abs_det_jacobian(reference, {}) * 2)
           .sum()},
      {reference}, {}, true, true);
  check_close(grads[0], expected[0], 1e-10);
  // Second derivatives too (a Laplace approximation's Hessian goes through it).
  const auto second = torch::autograd::grad({grads[0].sum()}, {input})[0];
  const auto expected_second = torch::autograd::grad({expected[0].sum()}, {reference})[0];
  check_close(second, expected_second, 1e-10);
  CHECK(transforms::biject_to(constraints::interval(-1.0, 4.0))->equals(transform));
  // Uniform's bounds are single-value tensors: the same transform.
  CHECK(transforms::biject_to(constraints::interval(f64({-1}).squeeze(), f64({4}).squeeze()))
            ->equals(transform));
  CHECK(transform.codomain()->to_string() == "interval(-1, 4)");
  CHECK_THROWS_AS(transforms::ScaledSigmoid(1.0, 1.0), std::invalid_argument);
}

TEST_CASE("Tanh's log-det stays finite where 1 - tanh(x)^2 underflows") {
  const transforms::Tanh tanh;
  const auto x = f64({-400, -40, 0, 40, 400});
  const auto log_det = tanh.log_abs_det_jacobian(x, tanh.forward(x));
  CHECK(all_true(torch::isfinite(log_det)));
  // 1 - tanh(x)^2 = 4 e^{-2|x|} / (1 + e^{-2|x|})^2.
  check_close(log_det, std::log(4.0) - 2 * x.abs() - 2 * (-2 * x.abs()).exp().log1p(), 1e-12);
  CHECK(tanh.codomain()->to_string() == "interval(-1, 1)");
  CHECK(std::isinf(tanh.inverse(f64({1})).item<double>()));
}

TEST_CASE("Softplus inverts accurately for large and tiny outputs") {
  const transforms::Softplus softplus;
  const auto y = f64({1e-12, 1e-3, 1, 30, 700});
  check_close(softplus.forward(softplus.inverse(y)), y, 1e-12);
  check_close(softplus.inverse(f64({700})), f64({700}), 1e-12);
}

TEST_CASE("Power broadcasts its exponent in forward_shape and compares by value") {
  const transforms::Power power(f64({1, 2, 3}));
  CHECK(power.forward_shape({2, 1}) == Shape{2, 3});
  CHECK(power.inverse_shape({3}) == Shape{3});
  CHECK(transforms::Power(2.0).forward_shape({4}) == Shape{4});
  CHECK(power.equals(transforms::Power(f64({1, 2, 3}))));
  CHECK(!power.equals(transforms::Power(f64({1, 2, 4}))));
  CHECK(transforms::Power(2.0).equals(transforms::Power(2.0)));
  CHECK(!transforms::Power(2.0).equals(transforms::Exp()));
  CHECK(transforms::Affine(f64({1, 2, 3}), 2.0).forward_shape({4, 1}) == Shape{4, 3});
}

TEST_CASE("Softmax maps onto the simplex and is a right inverse of log") {
  const transforms::Softmax softmax;
  const auto x = 3 * at::randn({5, 4}, generator(8), kF64);
  const auto y = softmax.forward(x);
  CHECK(all_true(constraints::simplex->check(y)));
  check_close(y, torch::softmax(x, -1), 1e-12);
  check_close(softmax.forward(softmax.inverse(y)), y, 1e-12);
  // Not one-to-one: adding a constant to a row changes nothing.
  check_close(softmax.forward(x + 7), y, 1e-12);
  CHECK(!softmax.bijective());
  CHECK(softmax.domain_event_dim() == 1);
  CHECK(softmax.codomain_event_dim() == 1);
  CHECK(contains(what_of([&] { softmax.log_abs_det_jacobian(x, y); }), "Softmax"));
  CHECK(contains(what_of([&] { softmax.forward_shape({}); }), "Softmax"));
  CHECK(softmax.forward(f64({1000, 0})).isfinite().all().item<bool>());
}

TEST_CASE("LowerCholesky and PositiveDefinite map square matrices onto their constraints") {
  const transforms::LowerCholesky lower;
  const auto x = at::randn({2, 3, 3}, generator(4), kF64);
  const auto y = lower.forward(x);
  CHECK(all_true(constraints::lower_cholesky->check(y)));
  check_close(lower.inverse(y), x.tril());  // the strict upper triangle is dropped
  check_close(lower.forward(lower.inverse(y)), y);
  check_close(y.diagonal(0, -2, -1), x.diagonal(0, -2, -1).exp());
  CHECK(!lower.bijective());
  CHECK(lower.domain_event_dim() == 2);
  CHECK(lower.codomain_event_dim() == 2);

  const transforms::PositiveDefinite positive_definite;
  const auto matrices = positive_definite.forward(x);
  CHECK(all_true(constraints::positive_definite->check(matrices)));
  check_close(matrices, at::matmul(y, y.transpose(-1, -2)));
  check_close(positive_definite.inverse(matrices), x.tril(), 1e-9);
  CHECK(!positive_definite.bijective());
  CHECK(positive_definite.domain_event_dim() == 2);
}

TEST_CASE("CorrCholesky: shapes, round trip, correlation matrices and log-det") {
  const transforms::CorrCholesky corr;
  CHECK(corr.forward_shape({5, 6}) == Shape{5, 4, 4});
  CHECK(corr.forward_shape({1}) == Shape{2, 2});
  CHECK(corr.forward_shape({0}) == Shape{1, 1});
  CHECK(corr.inverse_shape({5, 4, 4}) == Shape{5, 6});
  CHECK(contains(what_of([&] { corr.forward_shape({5, 5}); }), "n(n-1)/2"));
  CHECK(contains(what_of([&] { corr.inverse_shape({4, 3}); }), "square"));
  CHECK(contains(what_of([&] { corr.forward_shape({}); }), "CorrCholesky"));

  const auto x = 1.5 * at::randn({5, 6}, generator(11), kF64);
  const auto y = corr.forward(x);
  REQUIRE(y.sizes() == torch::IntArrayRef{5, 4, 4});
  CHECK(all_true(constraints::corr_cholesky->check(y)));
  const auto correlation = at::matmul(y, y.transpose(-1, -2));
  check_close(correlation.diagonal(0, -2, -1), torch::ones({5, 4}, kF64), 1e-12);
  check_close(corr.inverse(y), x, 1e-9);
  // The first row below the diagonal carries tanh(x) directly: y_10 = tanh(x_0).
  check_close(y.select(-2, 1).select(-1, 0), x.select(-1, 0).tanh(), 1e-12);

  const auto log_det = corr.log_abs_det_jacobian(x, y);
  REQUIRE(log_det.sizes() == torch::IntArrayRef{5});
  const auto strict_lower = torch::tril_indices(4, 4, -1);
  const auto flat_index = strict_lower[0] * 4 + strict_lower[1];
  for (int64_t b = 0; b < 5; ++b) {
    CAPTURE(b);
    const auto matrix = jacobian(
        [&](const torch::Tensor& v) {
          return corr.forward(v).flatten().index_select(0, flat_index);
        },
        x[b]);
    CHECK(log_det[b].item<double>() == doctest::Approx(log_abs_det(matrix)).epsilon(1e-8));
  }

  const auto one = corr.forward(torch::zeros({0}, kF64));
  check_close(one, torch::ones({1, 1}, kF64));
  CHECK(corr.log_abs_det_jacobian(torch::zeros({0}, kF64), one).item<double>() == 0);
  const auto two = corr.forward(f64({0.3}));
  check_close(two, f64({1, 0, std::tanh(0.3), 1 / std::cosh(0.3)}).reshape({2, 2}), 1e-12);
}

TEST_CASE("IndependentTransform sums the base log-det over the reinterpreted dims") {
  const auto exp = std::make_shared<transforms::Exp>();
  const transforms::IndependentTransform one(exp, 1);
  CHECK(one.domain_event_dim() == 1);
  CHECK(one.codomain_event_dim() == 1);
  CHECK(one.codomain()->to_string() == "independent(positive, 1)");
  CHECK(one.sign() == 1);
  CHECK(one.bijective());
  const auto x = at::randn({2, 3, 4}, generator(2), kF64);
  const auto y = one.forward(x);
  check_close(y, x.exp());
  check_close(one.inverse(y), x);
  check_close(one.log_abs_det_jacobian(x, y), x.sum(-1));
  const transforms::IndependentTransform two(exp, 2);
  check_close(two.log_abs_det_jacobian(x, y), x.sum({-1, -2}));
  CHECK(contains(what_of([&] { two.forward(f64({1, 2})); }), "at least 2 dims"));
  CHECK(contains(what_of([&] { transforms::IndependentTransform(exp, -1); }), "-1"));
  CHECK(one.equals(transforms::IndependentTransform(std::make_shared<transforms::Exp>(), 1)));
  CHECK(!one.equals(two));

  // Over a transform with event dims of its own: the event dims add up.
  const transforms::IndependentTransform sticks(std::make_shared<transforms::StickBreaking>(), 1);
  CHECK(sticks.domain_event_dim() == 2);
  CHECK(sticks.forward_shape({2, 3, 4}) == Shape{2, 3, 5});
  const auto simplexes = sticks.forward(x);
  CHECK(sticks.log_abs_det_jacobian(x, simplexes).sizes() == torch::IntArrayRef{2});
}

TEST_CASE("Compose reduces each part's log-det to the composite's event dims") {
  // Exp acts elementwise, StickBreaking on vectors: the composite acts on vectors.
  const transforms::Compose exp_then_sticks(
      {std::make_shared<transforms::Exp>(), std::make_shared<transforms::StickBreaking>()});
  CHECK(exp_then_sticks.domain_event_dim() == 1);
  CHECK(exp_then_sticks.codomain_event_dim() == 1);
  CHECK(exp_then_sticks.forward_shape({3, 4}) == Shape{3, 5});
  CHECK(exp_then_sticks.inverse_shape({3, 5}) == Shape{3, 4});
  const auto x = 0.5 * at::randn({3, 4}, generator(6), kF64);
  const auto y = exp_then_sticks.forward(x);
  check_close(exp_then_sticks.inverse(y), x, 1e-9);
  const auto log_det = exp_then_sticks.log_abs_det_jacobian(x, y);
  REQUIRE(log_det.sizes() == torch::IntArrayRef{3});
  for (int64_t b = 0; b < 3; ++b) {
    const auto matrix = jacobian(
        [&](const torch::Tensor& v) { return exp_then_sticks.forward(v).narrow(0, 0, 4); }, x[b]);
    CHECK(log_det[b].item<double>() == doctest::Approx(log_abs_det(matrix)).epsilon(1e-8));
  }

  // Affine with event_dim 0 before an IndependentTransform over 1 dim: summed over that dim.
  const transforms::Compose scaled(
      {std::make_shared<transforms::Affine>(0.0, 2.0),
       std::make_shared<transforms::IndependentTransform>(std::make_shared<transforms::Exp>(), 1)});
  CHECK(scaled.domain()->to_string() == "independent(real, 1)");
  CHECK(scaled.codomain()->to_string() == "independent(positive, 1)");
  check_close(scaled.log_abs_det_jacobian(x, scaled.forward(x)), (std::log(2.0) + 2 * x).sum(-1));
  CHECK(scaled.sign() == 1);
  CHECK(transforms::Compose(
            {std::make_shared<transforms::Exp>(), std::make_shared<transforms::Affine>(0.0, -1.0)})
            .sign() == -1);
  CHECK(transforms::identity()->sign() == 1);
}

TEST_CASE("biject_to registrations for corr_cholesky, independent and real_vector") {
  const auto corr = transforms::biject_to(constraints::corr_cholesky);
  CHECK(as<transforms::CorrCholesky>(corr) != nullptr);
  CHECK(as<transforms::CorrCholesky>(transforms::transform_to(constraints::corr_cholesky)));

  const auto vector = transforms::biject_to(constraints::real_vector);
  const auto* independent = as<transforms::IndependentTransform>(vector);
  REQUIRE(independent != nullptr);
  CHECK(independent->reinterpreted_batch_ndims() == 1);
  CHECK(independent->base()->equals(*transforms::identity()));
  const auto x = at::randn({2, 3}, generator(1), kF64);
  check_close(vector->forward(x), x);
  check_close(vector->log_abs_det_jacobian(x, x), torch::zeros({2}, kF64));

  const auto positive_matrices = constraints::independent(constraints::positive, 2);
  const auto exp2 = transforms::biject_to(positive_matrices);
  REQUIRE(as<transforms::IndependentTransform>(exp2) != nullptr);
  CHECK(exp2->codomain()->to_string() == "independent(positive, 2)");
  const auto y = exp2->forward(x);
  CHECK(all_true(positive_matrices->check(y)));
  check_close(exp2->log_abs_det_jacobian(x, y), x.sum());

  const auto sticks = transforms::biject_to(constraints::independent(constraints::simplex, 1));
  const auto* sticks_independent = as<transforms::IndependentTransform>(sticks);
  REQUIRE(sticks_independent != nullptr);
  CHECK(as<transforms::StickBreaking>(sticks_independent->base()) != nullptr);

  CHECK(contains(what_of([] { transforms::biject_to(constraints::lower_cholesky); }),
                 "'lower_cholesky'"));
  CHECK(contains(
      what_of([] { transforms::biject_to(constraints::independent(constraints::boolean, 1)); }),
      "'boolean'"));
}

TEST_CASE("transform_to registrations: Softmax, LowerCholesky, PositiveDefinite, independent") {
  CHECK(as<transforms::Softmax>(transforms::transform_to(constraints::simplex)) != nullptr);
  CHECK(as<transforms::StickBreaking>(transforms::biject_to(constraints::simplex)) != nullptr);
  CHECK(as<transforms::LowerCholesky>(transforms::transform_to(constraints::lower_cholesky)));
  CHECK(as<transforms::PositiveDefinite>(transforms::transform_to(constraints::positive_definite)));
  const auto rows = transforms::transform_to(constraints::independent(constraints::simplex, 1));
  const auto* independent = as<transforms::IndependentTransform>(rows);
  REQUIRE(independent != nullptr);
  CHECK(as<transforms::Softmax>(independent->base()) != nullptr);
  // Falls back to biject_to where transform_to has no registration of its own.
  CHECK(as<transforms::Exp>(transforms::transform_to(constraints::positive)) != nullptr);
  // The param store's round trip: forward(inverse(value)) = value.
  const auto probs = f64({0.2, 0.3, 0.5});
  const auto softmax = transforms::transform_to(constraints::simplex);
  check_close(softmax->forward(softmax->inverse(probs)), probs, 1e-12);
}

TEST_CASE("a user-registered constraint type gets its transforms, also under independent") {
  const auto above_two = std::make_shared<AboveTwo>();
  CHECK(contains(what_of([&] { transforms::biject_to(above_two); }), "'above_two'"));
  transforms::register_biject_to<AboveTwo>([](const AboveTwo&) {
    return std::make_shared<transforms::Compose>(std::vector<TransformPtr>{
        std::make_shared<transforms::Exp>(), std::make_shared<transforms::Affine>(2.0, 1.0)});
  });
  const auto transform = transforms::biject_to(above_two);
  const auto x = f64({-3, 0, 3});
  const auto y = transform->forward(x);
  CHECK(all_true(above_two->check(y)));
  check_close(transform->inverse(y), x);
  check_close(transforms::transform_to(above_two)->forward(x), y);

  const auto rows = transforms::biject_to(constraints::independent(above_two, 1));
  check_close(rows->log_abs_det_jacobian(x, rows->forward(x)), x.sum());

  transforms::register_transform_to<AboveTwo>([](const AboveTwo&) {
    return std::make_shared<transforms::Compose>(std::vector<TransformPtr>{
        std::make_shared<transforms::Softplus>(), std::make_shared<transforms::Affine>(2.0, 1.0)});
  });
  check_close(transforms::transform_to(above_two)->forward(x), 2 + at::softplus(x));
  check_close(transforms::biject_to(above_two)->forward(x), y);
}

}  // namespace test_transforms
