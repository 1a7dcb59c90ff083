// Each effect handler, in its scoped and function-wrapping forms.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include "tests/chain_model.h"

namespace test_handlers {

using ppl::dist::Normal;
using ppl::testing::chain_model;
using ppl::testing::names;
using ppl::testing::normal_log_prob;
using ppl::testing::scalar;
namespace h = ppl::handlers;

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

TEST_CASE("seed inside a generator scope seeds that scope's generator, not the default one") {
  at::Generator own = at::detail::createCPUGenerator(123);
  const auto default_state = at::detail::getDefaultCPUGenerator().get_state();
  torch::Tensor first, second;
  {
    ppl::GeneratorScope scope(own);
    const auto own_state = own.get_state();
    {
      h::SeedMessenger seed(7);
      first = ppl::sample("x", Normal(torch::zeros({4}), 1.0));
    }
    CHECK(torch::equal(own.get_state(), own_state));  // restored afterwards
    {
      h::SeedMessenger seed(7);
      second = ppl::sample("x", Normal(torch::zeros({4}), 1.0));
    }
  }
  CHECK(torch::equal(first, second));
  CHECK(torch::equal(at::detail::getDefaultCPUGenerator().get_state(), default_state));
  // The same seed outside any scope seeds the default generator: the same draws.
  h::SeedMessenger seed(7);
  CHECK(torch::equal(ppl::sample("x", Normal(torch::zeros({4}), 1.0)), first));
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

namespace {

/// Adds a vectorized plate frame to each site without broadcasting (a plate's bookkeeping half).
struct FrameOnly : ppl::Messenger {
  explicit FrameOnly(ppl::PlateFrame frame) : frame(std::move(frame)) {}
  void process_message(ppl::Message& msg) override {
    msg.cond_indep_stack.insert(msg.cond_indep_stack.begin(), frame);
  }
  ppl::PlateFrame frame;
};

}  // namespace

TEST_CASE("broadcast expands distributions to the plate frames recorded inside it") {
  auto model = [](int64_t rows) {
    FrameOnly frame(ppl::PlateFrame{"rows", -2, rows, rows, 0});
    ppl::sample("x", Normal(torch::zeros({1, 3}), 1.0));
  };
  auto unbroadcast = h::trace(model).get_trace(2);
  CHECK(unbroadcast.at("x").fn->batch_shape() == ppl::dist::Shape{1, 3});
  auto broadcast = h::trace(h::broadcast(model)).get_trace(2);
  CHECK(broadcast.at("x").fn->batch_shape() == ppl::dist::Shape{2, 3});
  CHECK(broadcast.at("x").value.sizes() == torch::IntArrayRef({2, 3}));
  // Scoped form; a site with its value final (replayed) keeps its distribution.
  {
    h::TraceMessenger tracer;
    h::BroadcastMessenger broadcaster;
    h::ReplayMessenger replay(broadcast);
    model(2);
    CHECK(tracer.trace().at("x").fn->batch_shape() == ppl::dist::Shape{1, 3});
  }
  auto cols = [] {
    FrameOnly frame(ppl::PlateFrame{"cols", -1, 4, 4, 0});
    ppl::sample("x", Normal(torch::zeros({1, 3}), 1.0));
  };
  CHECK_THROWS_WITH_AS(h::broadcast(cols)(),
                       doctest::Contains("shape mismatch inside plate('cols') at site 'x' dim -1: "
                                         "plate size 4 but the distribution's batch_shape (1, 3) "
                                         "has 3"),
                       std::invalid_argument);
}

TEST_CASE("infer_config merges config_fn(site) into the infer dict of sample and param sites") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto model = [] {
    auto loc = ppl::param("loc", scalar(0.0));
    ppl::sample("a", Normal(loc, 1.0), {}, {{"kept", true}, {"replaced", int64_t{1}}});
    ppl::sample("y", Normal(loc, 1.0), scalar(1.0));
  };
  auto config = [](const ppl::Message& msg) {
    ppl::InferDict infer{{"site", msg.name}, {"replaced", int64_t{2}}};
    if (msg.is_observed) infer["observed"] = true;
    return infer;
  };
  auto trace = h::trace(h::infer_config(model, config)).get_trace();
  const auto& a = trace.at("a").infer;
  CHECK(std::get<bool>(a.at("kept")));
  CHECK(std::get<int64_t>(a.at("replaced")) == 2);
  CHECK(std::get<std::string>(a.at("site")) == "a");
  CHECK_FALSE(a.count("observed"));
  CHECK(std::get<bool>(trace.at("y").infer.at("observed")));
  CHECK(std::get<std::string>(trace.at("loc").infer.at("site")) == "loc");
  {
    h::TraceMessenger tracer;
    h::InferConfigMessenger configured([](const ppl::Message&) {
      return ppl::InferDict{{"is_auxiliary", true}};
    });
    model();
    CHECK_FALSE(tracer.trace().at("a").is_latent());
  }
  CHECK_THROWS_AS(h::InferConfigMessenger(nullptr), std::invalid_argument);
}

TEST_CASE("lift turns params into latent sample sites drawn from their priors") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const auto x = torch::tensor({0.5, 1.5, 1.0}, torch::kDouble);
  // x_i ~ N(loc, 1) with loc a param; lifted with loc ~ N(0, 1), the conjugate Normal model.
  auto model = [&] {
    auto loc = ppl::param("loc", scalar(0.0));
    ppl::plate data("data", 3);
    ppl::sample("x", Normal(loc, 1.0), x);
  };
  const auto prior = Normal(torch::zeros({1}, torch::kDouble), 1.0);
  auto trace = h::trace(h::lift(model, prior)).get_trace();
  const auto& loc = trace.at("loc");
  CHECK(loc.is_latent());
  CHECK(loc.fn->name() == "Normal");
  CHECK(loc.value.sizes() == torch::IntArrayRef({1}));  // the prior's shape, not the init's
  CHECK_FALSE(store.contains("loc"));
  const double mu = loc.value.item<double>();
  double log_joint = normal_log_prob(mu, 0, 1);
  for (int64_t i = 0; i < 3; ++i) log_joint += normal_log_prob(x[i].item<double>(), mu, 1);
  CHECK(trace.log_prob_sum().item<double>() == doctest::Approx(log_joint).epsilon(1e-12));
  auto again = h::trace(h::lift(model, prior)).get_trace();
  CHECK_FALSE(torch::equal(again.at("loc").value, loc.value));

  // By name: the other params stay params; the same param twice is one draw.
  torch::Tensor first, second;
  auto twice = [&] {
    first = ppl::param("a", scalar(1.0));
    second = ppl::param("a", scalar(1.0));
    ppl::param("b", scalar(2.0));
  };
  auto by_name =
      h::trace(h::lift(twice, h::PriorMap{{"a", Normal(scalar(0), 1.0).clone()}})).get_trace();
  CHECK(names(by_name) == std::vector<std::string>{"a", "b"});
  CHECK(by_name.at("a").is_latent());
  CHECK(by_name.at("b").type == ppl::MessageType::param);
  CHECK(torch::equal(first, second));
  CHECK(store.contains("b"));
  CHECK_FALSE(store.contains("a"));
  // A module's parameters go by their full name in the param store.
  torch::nn::Linear net(2, 1);
  auto with_module = [&] { ppl::module("net", net); };
  const auto weight_prior = Normal(torch::zeros({1, 2}), 1.0).to_event(2).clone();
  auto lifted_module =
      h::trace(h::lift(with_module, h::PriorMap{{"net$$$weight", weight_prior}})).get_trace();
  CHECK(lifted_module.at("net$$$weight").is_latent());
  CHECK(lifted_module.at("net$$$bias").type == ppl::MessageType::param);
  CHECK_THROWS_AS(h::LiftMessenger(ppl::dist::DistributionPtr()), std::invalid_argument);
}

}  // namespace test_handlers
