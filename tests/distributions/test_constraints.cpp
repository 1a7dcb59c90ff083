// Constraints and biject_to: checks, text round trips, bijections and their Jacobians.

#include <doctest/doctest.h>
#include <torch/torch.h>
#include "tests/support.h"

#include "ppl/distributions/constraints.h"
#include "ppl/distributions/transforms/biject_to.h"

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_constraints {

namespace constraints = ppl::constraints;
using ppl::transforms::biject_to;

using ppl::testing::invalid_argument_of;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

torch::Tensor f64(std::vector<double> values) {
  return torch::tensor(values, kF64);
}

std::vector<bool> as_bools(const torch::Tensor& mask) {
  const auto flat = mask.to(torch::kBool).reshape(-1);
  std::vector<bool> out;
  for (int64_t i = 0; i < flat.numel(); ++i) out.push_back(flat[i].item<bool>());
  return out;
}

/// The constraints that biject_to supports.
std::vector<constraints::ConstraintPtr> bijectable() {
  return {constraints::real,
          constraints::positive,
          constraints::greater_than(-1.5),
          constraints::interval(-2, 3),
          constraints::unit_interval,
          constraints::simplex};
}

}  // namespace

TEST_CASE("constraints check values elementwise") {
  const double inf = std::numeric_limits<double>::infinity();
  const auto values = f64({-1, 0, 0.5, 1, 2.5, inf, NAN});
  using V = std::vector<bool>;
  CHECK(as_bools(constraints::real->check(values)) == V{1, 1, 1, 1, 1, 1, 0});
  CHECK(as_bools(constraints::positive->check(values)) == V{0, 0, 1, 1, 1, 1, 0});
  CHECK(as_bools(constraints::greater_than(0.5)->check(values)) == V{0, 0, 0, 1, 1, 1, 0});
  CHECK(as_bools(constraints::unit_interval->check(values)) == V{0, 1, 1, 1, 0, 0, 0});
  CHECK(as_bools(constraints::interval(-1, 1)->check(values)) == V{1, 1, 1, 1, 0, 0, 0});
  CHECK(as_bools(constraints::boolean->check(values)) == V{0, 1, 0, 1, 0, 0, 0});
  CHECK(as_bools(constraints::integer_interval(0, 2)->check(values)) == V{0, 1, 0, 1, 0, 0, 0});
  CHECK(as_bools(constraints::integer_interval(-1, 1)->check(torch::tensor({-2, -1, 1, 2}))) ==
        V{0, 1, 1, 0});
}

TEST_CASE("simplex checks whole rows") {
  const auto rows = f64({0.2, 0.3, 0.5, 0.5, 0.6, -0.1, 0.5, 0.5, 0.1, 1, 0, 0}).reshape({4, 3});
  CHECK(constraints::simplex->event_dim() == 1);
  CHECK(constraints::real->event_dim() == 0);
  const auto ok = constraints::simplex->check(rows);
  CHECK(ok.sizes() == torch::IntArrayRef{4});
  CHECK(as_bools(ok) == std::vector<bool>{1, 0, 0, 1});
  CHECK(as_bools(constraints::simplex->check(f64({0.5, 0.5 + 1e-7}))) == std::vector<bool>{1});
  CHECK(as_bools(constraints::simplex->check(f64({0.5, 0.5 + 1e-5}))) == std::vector<bool>{0});
  const auto float_row = torch::full({100}, 0.01, torch::kFloat32);
  CHECK(as_bools(constraints::simplex->check(float_row)) == std::vector<bool>{1});
}

TEST_CASE("parse reads back to_string") {
  const std::vector<constraints::ConstraintPtr> all = {
      constraints::real,
      constraints::positive,
      constraints::unit_interval,
      constraints::simplex,
      constraints::boolean,
      constraints::greater_than(-1.5),
      constraints::greater_than(0.1),
      constraints::interval(1.0 / 3, 1e300),
      constraints::interval(-std::numeric_limits<double>::infinity(), 2),
      constraints::integer_interval(0, 9),
      constraints::integer_interval(-3, std::numeric_limits<int64_t>::max())};
  for (const auto& constraint : all) {
    const auto text = constraint->to_string();
    CAPTURE(text);
    CHECK(constraints::parse(text)->to_string() == text);
  }
  CHECK(constraints::greater_than(2)->to_string() == "greater_than(2)");
  CHECK(constraints::interval(0, 1)->to_string() == "interval(0, 1)");
  CHECK(constraints::integer_interval(0, 4)->to_string() == "integer_interval(0, 4)");
  CHECK(constraints::parse("real") == constraints::real);

  const auto third = constraints::parse(constraints::interval(1.0 / 3, 2)->to_string());
  const auto* interval = dynamic_cast<const constraints::Interval*>(third.get());
  REQUIRE(interval != nullptr);
  CHECK(interval->lower_bound().number() == 1.0 / 3);
  CHECK(interval->upper_bound().number() == 2);
  CHECK(constraints::parse("  interval( -1 , 2.5 ) ")->to_string() == "interval(-1, 2.5)");

  for (const char* bad : {"reals", "interval(1)", "interval(1, 2, 3)", "greater_than()",
                          "greater_than(x)", "integer_interval(0.5, 2)", "interval(1, 2"}) {
    CAPTURE(bad);
    const auto message = invalid_argument_of([&] { constraints::parse(bad); });
    CHECK(message.find(bad) != std::string::npos);
  }
}

TEST_CASE("biject_to maps reals into the constraint and back") {
  auto generator = at::detail::createCPUGenerator(21);
  for (const auto& constraint : bijectable()) {
    CAPTURE(constraint->to_string());
    const auto transform = biject_to(constraint);
    const auto x = 2 * at::randn({5, 3}, generator, kF64);
    const auto y = transform->forward(x);
    CHECK(constraint->check(y).all().item<bool>());
    const auto back = transform->inverse(y);
    CHECK(back.sizes() == x.sizes());
    CHECK(torch::allclose(back, x, 1e-8, 1e-8));
    const auto ladj = transform->log_abs_det_jacobian(x, y);
    CHECK(ladj.sizes() == (constraint->event_dim() == 1 ? y.sizes().slice(0, 1) : y.sizes()));
  }
  CHECK(biject_to(constraints::simplex)
            ->forward(torch::zeros({3}, kF64))
            .allclose(torch::full({4}, 0.25, kF64)));
}

TEST_CASE("biject_to stays finite and inside bounds for extreme inputs") {
  const auto x = f64({-800, -40, 0, 40, 800});
  for (const auto& constraint : {constraints::interval(-2, 3), constraints::unit_interval}) {
    CAPTURE(constraint->to_string());
    const auto transform = biject_to(constraint);
    const auto y = transform->forward(x);
    CHECK(constraint->check(y).all().item<bool>());
    CHECK(torch::isfinite(transform->inverse(y)).all().item<bool>());
    CHECK(torch::isfinite(transform->log_abs_det_jacobian(x, y)).all().item<bool>());
  }
  const auto edges = biject_to(constraints::unit_interval)->inverse(f64({0, 1}));
  CHECK(torch::isfinite(edges).all().item<bool>());
  const auto simplex = biject_to(constraints::simplex);
  const auto corner = simplex->inverse(f64({1, 0, 0}));
  CHECK(torch::isfinite(corner[0]).item<bool>());
}

TEST_CASE("log_abs_det_jacobian matches autograd") {
  for (const auto& constraint :
       {constraints::positive, constraints::greater_than(-1.5), constraints::interval(-2, 3),
        constraints::unit_interval, constraints::real}) {
    CAPTURE(constraint->to_string());
    const auto transform = biject_to(constraint);
    const auto x = f64({-1.3, 0, 0.7, 2.2}).requires_grad_();
    const auto y = transform->forward(x);
    const auto dy_dx = torch::autograd::grad({y.sum()}, {x})[0];
    const auto ladj = transform->log_abs_det_jacobian(x.detach(), y.detach());
    CHECK(torch::allclose(ladj, dy_dx.abs().log(), 1e-10, 1e-10));
  }

  const auto transform = biject_to(constraints::simplex);
  const auto x = f64({0.4, -1.1, 2.0}).requires_grad_();
  const auto y = transform->forward(x);
  std::vector<torch::Tensor> rows;
  for (int64_t i = 0; i < 3; ++i) {
    rows.push_back(torch::autograd::grad({y[i]}, {x}, {}, /*retain_graph=*/true)[0]);
  }
  const double expected = torch::stack(rows).det().abs().log().item<double>();
  const double ladj = transform->log_abs_det_jacobian(x.detach(), y.detach()).item<double>();
  CHECK(ladj == doctest::Approx(expected).epsilon(1e-10));
}

TEST_CASE("biject_to rejects constraints without a bijection") {
  CHECK(invalid_argument_of([] { biject_to(constraints::boolean); }).find("'boolean'") !=
        std::string::npos);
  CHECK(invalid_argument_of([] {
          biject_to(constraints::integer_interval(0, 3));
        }).find("integer_interval(0, 3)") != std::string::npos);
}

}  // namespace test_constraints
