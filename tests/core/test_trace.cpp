// Traces (ppl/core/trace.h) and the trace handler (ppl/handlers/trace.h): sites in program
// order, cached log-probs, the table of shapes, and errors that say where a program failed.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include "tests/chain_model.h"
#include "tests/support.h"

namespace test_trace {

using ppl::dist::Normal;
using ppl::testing::chain_model;
using ppl::testing::contains;
using ppl::testing::names;
using ppl::testing::normal_log_prob;
using ppl::testing::scalar;
using ppl::testing::what_of;
namespace h = ppl::handlers;

TEST_CASE("trace records sites in program order with their values") {
  auto trace = h::trace(chain_model).get_trace();
  CHECK(names(trace) == std::vector<std::string>{"a", "b", "y"});
  CHECK(trace.at("y").is_observed);
  CHECK_FALSE(trace.at("a").is_observed);
  CHECK(trace.at("y").value.item<double>() == 1.0);
  CHECK_THROWS_AS(trace.at("nope"), std::out_of_range);
}

TEST_CASE("trace log_prob_sum is the joint log density, computed once per site") {
  auto trace = h::trace(chain_model).get_trace();
  const double a = trace.at("a").value.item<double>();
  const double b = trace.at("b").value.item<double>();
  const double expected =
      normal_log_prob(a, 0, 1) + normal_log_prob(b, a, 1) + normal_log_prob(1, b, 1);
  CHECK(trace.log_prob_sum().item<double>() == doctest::Approx(expected).epsilon(1e-12));
  auto cached = trace.at("a").log_prob;
  trace.compute_log_prob();
  CHECK(trace.at("a").log_prob.is_same(cached));
  auto latent_only = trace.log_prob_sum([](const ppl::Site& s) { return !s.is_observed; });
  CHECK(latent_only.item<double>() ==
        doctest::Approx(normal_log_prob(a, 0, 1) + normal_log_prob(b, a, 1)));
}

TEST_CASE("sum_scalars adds 0-dim terms and hands each its gradient") {
  auto a = scalar(1.5).requires_grad_(true);
  auto b = scalar(-4.0).requires_grad_(true);
  auto c = scalar(2.0);  // no gradient
  // 0-dim CPU terms of one dtype, one of them used twice; then mixed dtypes.
  auto total = ppl::sum_scalars({a * 2, b, c, b * b});
  CHECK(total.item<double>() == doctest::Approx(3 - 4 + 2 + 16).epsilon(1e-15));
  auto grads = torch::autograd::grad({total * 3}, {a, b});
  CHECK(grads[0].item<double>() == 6.0);
  CHECK(grads[1].item<double>() == 3 * (1 + 2 * -4.0));
  auto mixed = ppl::sum_scalars({a, torch::tensor(1.0f)});
  CHECK(mixed.item<double>() == 2.5);
  CHECK(ppl::sum_scalars({}).item<double>() == 0.0);
}

TEST_CASE("two sample sites with one name are an error") {
  auto twice = [] {
    ppl::sample("x", Normal(scalar(0), 1.0));
    ppl::sample("x", Normal(scalar(0), 1.0));
  };
  CHECK_THROWS_WITH_AS(h::trace(twice).get_trace(),
                       doctest::Contains("multiple sample sites named 'x'"), std::runtime_error);
}

TEST_CASE("format_shapes prints batch | event shapes of every site") {
  auto model = [] {
    ppl::plate data("data", 3);
    ppl::sample("z", Normal(torch::zeros({3, 2}), 1.0).to_event(1));
  };
  auto trace = h::trace(model).get_trace();
  trace.compute_log_prob();
  const auto table = trace.format_shapes();
  CHECK(table.find("z dist 3 | 2") != std::string::npos);
  CHECK(table.find("value 3 | 2") != std::string::npos);
  CHECK(table.find("log_prob 3 |") != std::string::npos);
}

TEST_CASE("log_prob errors name the site and show the shapes") {
  auto model = [] { ppl::sample("bad", Normal(torch::zeros({3}), 1.0), torch::zeros({4})); };
  auto trace = h::trace(model).get_trace();
  CHECK_THROWS_WITH_AS(trace.compute_log_prob(), doctest::Contains("at site 'bad'"),
                       std::runtime_error);
}

TEST_CASE("a param-only trace records param sites and nothing else") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto model = [] {
    auto loc = ppl::param("loc", scalar(0.0));
    ppl::sample("x", Normal(loc, 1.0));
  };
  CHECK(names(h::trace(model, /*param_only=*/true).get_trace()) == std::vector<std::string>{"loc"});
}

TEST_CASE("an error inside a traced model names the program, its last site and the shapes") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  // The guide's latent has shape (2); the model multiplies it with a (3, 50) matrix.
  auto model = [](const torch::Tensor& x) {
    auto w = ppl::sample("w", Normal(torch::zeros({3}, torch::kDouble), 1.0).to_event(1));
    auto features = torch::ones({3, 50}, torch::kDouble);
    ppl::sample("obs", Normal(torch::matmul(w, features), 1.0).to_event(1), x);
  };
  auto guide = [](const torch::Tensor&) {
    auto loc = ppl::param("w_loc", torch::zeros({2}, torch::kDouble));
    ppl::sample("w", Normal(loc, 1.0).to_event(1));
  };
  const auto x = torch::zeros({50}, torch::kDouble);
  ppl::infer::Trace_ELBO elbo;
  const std::string message = what_of([&] { elbo.loss(model, guide, x); });
  CHECK_MESSAGE(contains(message, "model failed after sample site 'w'"), message);
  CHECK_MESSAGE(contains(message, "model trace:"), message);
  CHECK_MESSAGE(contains(message, "w dist"), message);  // the table of shapes
  CHECK_MESSAGE(contains(message, "shapes cannot be multiplied (1x2 and 3x50)"), message);
  CHECK_MESSAGE(!contains(message, "frame #"), message);  // without the C++ frames
  CHECK_THROWS_AS(elbo.loss(model, guide, x), std::runtime_error);
  // The same model traced on its own: the program's name is given by the caller.
  auto bad = [] {
    ppl::sample("a", Normal(scalar(0), 1.0));
    torch::ones({2}).matmul(torch::ones({3}));
  };
  CHECK_THROWS_WITH_AS(h::trace(bad, false, "my_model").get_trace(),
                       doctest::Contains("my_model failed after sample site 'a'"),
                       std::runtime_error);
  CHECK(ppl::handler_stack().empty());
}

TEST_CASE("a distribution with an invalid argument fails where it is built, after the last site") {
  const ppl::testing::ValidationScope on(true);
  auto model = [] {
    ppl::sample("z", Normal(scalar(0), 1.0));
    ppl::sample("obs", Normal(scalar(0), scalar(-0.038)), scalar(1.0));
  };
  const std::string message = what_of([&] { h::trace(model, false, "model").get_trace(); });
  CHECK_MESSAGE(contains(message,
                         "model failed after sample site 'z': Normal: argument 'scale' must be "
                         "positive, found -0.038"),
                message);
  CHECK_THROWS_AS(h::trace(model).get_trace(), std::invalid_argument);
  // Outside a traced program the constructor throws the same error.
  CHECK_THROWS_WITH_AS(Normal(scalar(0), scalar(-1.0)),
                       doctest::Contains("Normal: argument 'scale' must be positive"),
                       std::invalid_argument);
  // So does one that reaches no site.
  auto unused = [] { Normal(scalar(0), scalar(-1.0)).log_prob(scalar(0)); };
  CHECK_THROWS_WITH_AS(h::trace(unused, false, "guide").get_trace(),
                       doctest::Contains("guide failed before its first site: Normal: argument "
                                         "'scale' must be positive"),
                       std::invalid_argument);
  // The error does not leak into the next run.
  CHECK_NOTHROW(h::trace(chain_model).get_trace());
}

TEST_CASE("an error already placed in a program passes enclosing traces unchanged") {
  auto inner = [] { ppl::sample("x", Normal(scalar(0), scalar(-1.0))); };
  auto outer = [&] {
    ppl::sample("before", Normal(scalar(0), 1.0));
    h::trace(inner, false, "inner").get_trace();
  };
  const std::string message = what_of([&] { h::trace(outer, false, "outer").get_trace(); });
  CHECK_MESSAGE(contains(message, "inner failed before its first site: Normal: argument 'scale'"),
                message);
  CHECK_MESSAGE(!contains(message, "outer failed"), message);
}

}  // namespace test_trace
