// Each effect handler, in its scoped and function-wrapping forms.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

using ppl::dist::Normal;
namespace h = ppl::handlers;

namespace {

torch::Tensor scalar(double v) {
  return torch::tensor(v, torch::kDouble);
}

/// a ~ N(0, 1); b ~ N(a, 1); y ~ N(b, 1) observed at 1.
torch::Tensor chain_model() {
  auto a = ppl::sample("a", Normal(scalar(0), 1.0));
  auto b = ppl::sample("b", Normal(a, 1.0));
  ppl::sample("y", Normal(b, 1.0), scalar(1.0));
  return b;
}

std::vector<std::string> names(const ppl::Trace& trace) {
  std::vector<std::string> result;
  for (const auto& site : trace.sites()) result.push_back(site.name);
  return result;
}

double normal_log_prob(double x, double loc, double scale) {
  return -0.5 * std::pow((x - loc) / scale, 2) - std::log(scale) - 0.5 * std::log(2 * M_PI);
}

}  // namespace

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

TEST_CASE("replay reuses the guide's values for unobserved sites only") {
  auto guide_trace = h::trace(chain_model).get_trace();
  auto model_trace = h::trace(h::replay(chain_model, guide_trace)).get_trace();
  CHECK(torch::equal(model_trace.at("a").value, guide_trace.at("a").value));
  CHECK(torch::equal(model_trace.at("b").value, guide_trace.at("b").value));
  CHECK(model_trace.at("y").value.item<double>() == 1.0);
  // A site observed in the trace cannot be replayed into a latent one.
  auto latent_y = [] { ppl::sample("y", Normal(scalar(0), 1.0)); };
  CHECK_THROWS_WITH_AS(h::replay(latent_y, guide_trace)(), doctest::Contains("'y' must be sampled"),
                       std::runtime_error);
}

TEST_CASE("condition observes sites; uncondition samples them again") {
  auto conditioned = h::condition(chain_model, {{"a", scalar(0.5)}});
  auto trace = h::trace(conditioned).get_trace();
  CHECK(trace.at("a").is_observed);
  CHECK(trace.at("a").value.item<double>() == 0.5);
  CHECK(trace.at("b").fn->mean().item<double>() == 0.5);

  auto free = h::trace(h::uncondition(chain_model)).get_trace();
  CHECK_FALSE(free.at("y").is_observed);
  CHECK(std::get<bool>(free.at("y").infer.at("was_observed")));
  CHECK(std::get<torch::Tensor>(free.at("y").infer.at("obs")).item<double>() == 1.0);
  // Conditioning on a trace uses its sample values.
  auto guide_trace = h::trace(chain_model).get_trace();
  ppl::Trace again;
  {
    h::TraceMessenger tracer;
    h::ConditionMessenger condition(guide_trace);
    chain_model();
    again = tracer.trace();
  }
  CHECK(again.at("b").is_observed);
  CHECK(torch::equal(again.at("b").value, guide_trace.at("b").value));
}

TEST_CASE("block hides all by default, or by name and type; expose inverts it") {
  auto model = [] {
    ppl::param("p", scalar(1.0));
    chain_model();
  };
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  CHECK(names(h::trace(h::block(model)).get_trace()).empty());
  CHECK(names(h::trace(h::block(model, h::BlockOptions().hide({{"a"}}))).get_trace()) ==
        std::vector<std::string>{"p", "b", "y"});
  CHECK(names(h::trace(h::block(model, h::BlockOptions().expose({{"a"}}))).get_trace()) ==
        std::vector<std::string>{"a"});
  CHECK(names(h::trace(h::block(model, h::BlockOptions().hide_types({{ppl::MessageType::param}})))
                  .get_trace()) == std::vector<std::string>{"a", "b", "y"});
  CHECK(names(h::trace(h::block(model, h::BlockOptions().expose_types({{ppl::MessageType::param}})))
                  .get_trace()) == std::vector<std::string>{"p"});
  auto observed_hidden =
      h::BlockOptions().hide_fn([](const ppl::Message& m) { return m.is_observed; });
  CHECK(names(h::trace(h::block(model, observed_hidden)).get_trace()) ==
        std::vector<std::string>{"p", "a", "b"});
  CHECK_THROWS_AS(h::BlockMessenger(h::BlockOptions().hide({{"a"}}).expose({{"a"}})),
                  std::invalid_argument);
  // Blocked sites still run: the inner trace sees them.
  ppl::Trace inner;
  h::trace(h::block([&] { inner = h::trace(chain_model).get_trace(); })).get_trace();
  CHECK(inner.sites().size() == 3);
}

TEST_CASE("scale multiplies and mask zeroes log-probs; both nest") {
  auto model = [] {
    ppl::plate data("data", 2);
    ppl::sample("x", Normal(scalar(0), 1.0), torch::zeros({2}, torch::kDouble));
  };
  const double base = 2 * normal_log_prob(0, 0, 1);
  auto scaled = h::trace(h::scale(h::scale(model, 2.0), 3.0)).get_trace();
  CHECK(scaled.at("x").scale == 6.0);
  CHECK(scaled.log_prob_sum().item<double>() == doctest::Approx(6 * base));
  CHECK_THROWS_AS(h::ScaleMessenger(0.0), std::invalid_argument);

  auto masked = h::trace(h::mask(model, torch::tensor({true, false}))).get_trace();
  CHECK(masked.log_prob_sum().item<double>() == doctest::Approx(base / 2));
  auto both =
      h::trace(h::mask(h::mask(model, torch::tensor({true, false})), torch::tensor({false, true})))
          .get_trace();
  CHECK(both.log_prob_sum().item<double>() == 0.0);
  {
    h::TraceMessenger tracer;
    h::MaskMessenger off(false);
    model();
    CHECK(tracer.trace().log_prob_sum().item<double>() == 0.0);
  }
  CHECK_THROWS_AS(h::MaskMessenger(torch::ones({2})), std::invalid_argument);
}

TEST_CASE("seed makes draws reproducible and restores the generator afterwards") {
  torch::manual_seed(123);
  auto untouched = torch::randn({3});
  torch::manual_seed(123);
  auto first = h::seed(chain_model, 7)();
  auto second = h::seed(chain_model, 7)();
  CHECK(torch::equal(first, second));
  CHECK_FALSE(torch::equal(first, h::seed(chain_model, 8)()));
  // The scopes above left the global generator where it was.
  CHECK(torch::equal(torch::randn({3}), untouched));
}

TEST_CASE("substitute replaces param values, not sample sites") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto model = [] {
    auto loc = ppl::param("loc", scalar(0.0));
    return ppl::sample("x", Normal(loc, 1.0));
  };
  auto trace =
      h::trace(h::substitute(model, {{"loc", scalar(5.0)}, {"x", scalar(9.0)}})).get_trace();
  CHECK(trace.at("loc").value.item<double>() == 5.0);
  CHECK(trace.at("x").fn->mean().item<double>() == 5.0);
  CHECK(trace.at("x").value.item<double>() != 9.0);
  CHECK_FALSE(store.contains("loc"));  // the store was not consulted
}

TEST_CASE("do intervenes: downstream sees the intervention, the trace keeps the sampled site") {
  auto intervened = h::do_(chain_model, {{"a", scalar(10.0)}});
  auto trace = h::trace(intervened).get_trace();
  CHECK(trace.contains("a"));
  CHECK_FALSE(trace.at("a").is_observed);
  CHECK(trace.at("a").value.item<double>() != 10.0);
  CHECK_FALSE(trace.contains("a__CF"));  // stopped inside the do handler
  CHECK(trace.at("b").fn->mean().item<double>() == 10.0);

  // A tracer inside the do handler sees the counterfactual site.
  ppl::Trace inner;
  h::trace(h::do_([&] { inner = h::trace(chain_model).get_trace(); }, {{"a", scalar(10.0)}}))
      .get_trace();
  REQUIRE(inner.contains("a__CF"));
  CHECK(inner.at("a__CF").is_observed);
  CHECK(inner.at("a__CF").value.item<double>() == 10.0);
}

TEST_CASE("handlers compose: seeded, conditioned and traced") {
  auto composed = h::seed(h::condition(chain_model, {{"b", scalar(2.0)}}), 3);
  auto t1 = h::trace(composed).get_trace();
  auto t2 = h::trace(composed).get_trace();
  CHECK(torch::equal(t1.at("a").value, t2.at("a").value));
  CHECK(t1.at("b").value.item<double>() == 2.0);
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
