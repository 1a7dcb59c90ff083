// Pyro's spellings, as a user coming from Pyro writes them: number observations and params,
// `expand(...).to_event(n)`, one optimizer for many SVI runs, generic lambdas in AutoGuideList,
// range-for over a temporary trace, typed `get_posterior()`, string literals in `infer`, and a
// nameable type for `block`'s callable. (compile_checks/auto_guide_list_generic_model.cpp holds
// the spelling that must not compile.)
#include "tests/support.h"

#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

namespace test_spellings {

namespace dist = ppl::dist;
namespace infer = ppl::infer;
namespace handlers = ppl::handlers;
namespace optim = ppl::optim;
using ppl::testing::doubles;

namespace {

/// z ~ Normal(0, I) in 2 dims, x ~ Normal(z, I): the negative log joint's Hessian is 2 I.
void gaussian(const torch::Tensor& x) {
  auto z = ppl::sample("z", dist::Normal(torch::zeros({2}, torch::kDouble), 1.0).to_event(1));
  ppl::sample("x", dist::Normal(z, 1.0).to_event(1), x);
}

const torch::Tensor kObserved = doubles({0.5, -1.0});

/// A helper returning a model with "z" hidden, its type written out.
template <class Model>
ppl::handlers::Blocked<Model> hide_z(Model model) {
  return handlers::block(std::move(model), handlers::BlockOptions().hide({"z"}));
}

}  // namespace

TEST_CASE("a number observation is a 0-dim tensor of the dtype and device of the draws") {
  // Without handlers: the observation itself comes back.
  const auto x = ppl::sample("x", dist::Normal(doubles({0.0}).squeeze(), 1.0), 3.0);
  CHECK(x.dim() == 0);
  CHECK(x.dtype() == torch::kDouble);
  CHECK(x.item<double>() == 3.0);

  const auto model = [] {
    ppl::sample("x", dist::Normal(0.0, 1.0), 3.0);
    ppl::sample("k", dist::Poisson(2.0), 3);
    ppl::sample("n", dist::Poisson(doubles({1.0, 2.0})), int64_t{4});
    ppl::sample("c", dist::Categorical(torch::ones({3})), 2);
  };
  const auto trace = handlers::trace(model).get_trace();
  const auto& normal = trace.at("x");
  CHECK(normal.is_observed);
  CHECK(normal.value.dim() == 0);
  CHECK(normal.value.dtype() == torch::get_default_dtype());
  CHECK(normal.value.item<double>() == 3.0);

  const auto& poisson = trace.at("k");
  CHECK(poisson.is_observed);
  CHECK(poisson.value.dtype() == dist::Poisson(2.0).sample().dtype());
  CHECK(poisson.value.item<double>() == 3.0);
  const double expected = 3 * std::log(2.0) - 2.0 - std::log(6.0);  // Poisson(3 | 2)
  CHECK(poisson.fn->log_prob(poisson.value).item<double>() == doctest::Approx(expected));

  const auto& batched = trace.at("n");
  CHECK(batched.value.dtype() == torch::kDouble);
  CHECK(batched.value.item<double>() == 4.0);

  const auto& categorical = trace.at("c");  // Categorical draws are integers
  CHECK(categorical.value.dtype() == torch::kLong);
  CHECK(categorical.value.item<int64_t>() == 2);
}

TEST_CASE("param takes a number: a 0-dim tensor of the default dtype") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const auto s = ppl::param("s", 1.0, ppl::constraints::positive);
  CHECK(s.dim() == 0);
  CHECK(s.dtype() == torch::get_default_dtype());
  CHECK(s.item<double>() == doctest::Approx(1.0));
  CHECK(store.unconstrained("s").item<double>() == doctest::Approx(0.0).epsilon(1e-6));  // log 1
  const auto n = ppl::param("n", 2);  // an integer becomes a floating parameter
  CHECK(n.is_floating_point());
  CHECK(n.item<double>() == 2.0);
}

TEST_CASE("expand chains as in Pyro and a site keeps the expanded distribution itself") {
  const dist::Normal normal(doubles({0.0}).squeeze(), 1.0);

  const dist::Independent chained = normal.expand({3}).to_event(1);
  CHECK(chained.batch_shape().empty());
  CHECK(chained.event_shape() == dist::Shape{3});
  CHECK(chained.base()->name() == "Normal");

  const auto expanded = normal.expand({3});
  CHECK(expanded.batch_shape() == dist::Shape{3});
  CHECK(expanded.name() == "Normal");
  CHECK(expanded.log_prob(torch::zeros({3}, torch::kDouble)).sizes() == torch::IntArrayRef{3});
  CHECK(expanded.sample().sizes() == torch::IntArrayRef{3});
  CHECK(expanded.expand({2, 3}).batch_shape() == dist::Shape{2, 3});
  CHECK(expanded.arg_constraints().size() == 2);
  CHECK(dynamic_cast<const dist::Normal&>(*expanded).loc().sizes() == torch::IntArrayRef{3});
  const dist::Normal shifted(doubles({1.0, 1.0, 1.0}), 1.0);
  CHECK(torch::allclose(dist::kl_divergence(expanded, shifted),
                        torch::full({3}, 0.5, torch::kDouble)));

  const auto model = [&] {
    ppl::sample("x", normal.expand({3}).to_event(1));
    ppl::sample("y", normal.expand({2}));
    ppl::sample("w", normal.expand({2}).mask(torch::tensor({true, false})));
  };
  const auto trace = handlers::trace(model).get_trace();
  const auto& x = trace.at("x");
  CHECK(x.fn->name() == "Independent");
  CHECK(x.fn->event_shape() == dist::Shape{3});
  CHECK(x.value.sizes() == torch::IntArrayRef{3});
  const auto* y = dynamic_cast<const dist::Normal*>(trace.at("y").fn.get());
  REQUIRE(y != nullptr);  // the Normal itself, not the wrapper
  CHECK(y->batch_shape() == dist::Shape{2});
  const auto* w = dynamic_cast<const dist::MaskedDistribution*>(trace.at("w").fn.get());
  REQUIRE(w != nullptr);
  CHECK(w->batch_shape() == dist::Shape{2});
}

TEST_CASE("one optimizer serves an SVI per run, each with fresh state, as Pyro's tutorials do") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(0);
  const auto guide = [](const torch::Tensor&) {
    const auto loc = ppl::param("loc", torch::zeros({2}, torch::kDouble));
    ppl::sample("z", dist::Normal(loc, 1.0).to_event(1));
  };
  const optim::Adam optim(0.1);
  const infer::Trace_ELBO elbo;
  for (int run = 0; run < 3; ++run) {
    store.clear();
    infer::SVI svi(gaussian, guide, optim, elbo);
    for (int step = 0; step < 4; ++step) svi.step(kObserved);
    const auto state = svi.optimizer().get_state();
    CHECK(state.at("loc").scalars.at("step") == 4);  // not 4 * (run + 1)
  }
  CHECK(optim.names().empty());  // each SVI stepped its own copy
}

TEST_CASE("a copied optimizer carries the options and its own copy of the state") {
  auto weight = torch::ones({2}, torch::kDouble).requires_grad_();
  weight.mutable_grad() = torch::ones({2}, torch::kDouble);
  optim::Adam original(0.1);
  original.step({{"w", weight}});
  optim::Adam copy = original;
  CHECK(copy.names() == std::vector<std::string>{"w"});
  CHECK(copy.lr("w") == 0.1);
  copy.step({{"w", weight}});
  CHECK(copy.get_state().at("w").scalars.at("step") == 2);
  CHECK(original.get_state().at("w").scalars.at("step") == 1);
  CHECK(!torch::equal(copy.get_state().at("w").tensors.at("exp_avg"),
                      original.get_state().at("w").tensors.at("exp_avg")));

  optim::State pending;  // state for a parameter not seen yet travels with a copy too
  pending["v"].scalars = {{"step", 7}, {"lr", 0.5}};
  pending["v"].tensors = {{"exp_avg", torch::zeros({2}, torch::kDouble)},
                          {"exp_avg_sq", torch::zeros({2}, torch::kDouble)}};
  original.set_state(pending);
  copy = original;
  CHECK(copy.get_state().at("w").scalars.at("step") == 1);
  CHECK(copy.get_state().at("v").scalars.at("step") == 7);
}

TEST_CASE("AutoGuideList takes a generic lambda as a hand-written part") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(0);
  const auto model = [](const torch::Tensor& x) {
    ppl::sample("a", dist::Normal(doubles({0.0}).squeeze(), 1.0));
    ppl::sample("b", dist::Normal(doubles({0.0}).squeeze(), 1.0));
    ppl::sample("x", dist::Normal(doubles({0.0}).squeeze(), 1.0), x);
  };
  infer::AutoGuideList guide(model);
  guide.append(infer::AutoNormal(handlers::block(model, handlers::BlockOptions().hide({"b"}))));
  guide.append([](auto x) { ppl::sample("b", dist::Normal(x, 1.0)); });
  const auto trace = handlers::trace(guide).get_trace(doubles({0.5}).squeeze());
  CHECK(trace.contains("a"));
  CHECK(trace.at("b").fn->mean().item<double>() == 0.5);
}

TEST_CASE("a range-for over the sites of a temporary trace does not dangle") {
  // The rvalue overload returns the sites by value; range-for keeps that value alive (an
  // AddressSanitizer build reports a use after free if it ever returns a reference again).
  static_assert(
      std::is_same_v<decltype(std::declval<ppl::Trace>().sites()), std::vector<ppl::Site>>);
  std::vector<std::string> names;
  for (const auto& site : handlers::trace(gaussian).get_trace(kObserved).sites())
    names.push_back(site.name + ":" + std::to_string(site.value.size(0)));
  CHECK(names == std::vector<std::string>{"z:2", "x:2"});
  names.clear();
  for (const ppl::Site& site : handlers::trace(gaussian).get_trace(kObserved))
    names.push_back(site.name);
  CHECK(names == std::vector<std::string>{"z", "x"});
}

TEST_CASE("get_posterior gives each packed autoguide's own distribution type") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(0);

  infer::AutoMultivariateNormal multivariate(gaussian);
  multivariate(kObserved);
  std::shared_ptr<const dist::MultivariateNormal> full = multivariate->get_posterior();
  CHECK(full->covariance_matrix().sizes() == torch::IntArrayRef{2, 2});

  infer::AutoLowRankMultivariateNormal low_rank(gaussian);
  low_rank(kObserved);
  std::shared_ptr<const dist::LowRankMultivariateNormal> factored = low_rank->get_posterior();
  CHECK(factored->covariance_matrix().sizes() == torch::IntArrayRef{2, 2});
  CHECK(factored->cov_factor().size(-1) == low_rank->rank());

  infer::AutoDiagonalNormal diagonal(gaussian);
  diagonal(kObserved);
  std::shared_ptr<const dist::Independent> independent = diagonal->get_posterior();
  CHECK(independent->base()->name() == "Normal");

  infer::AutoLaplaceApproximation laplace(gaussian);
  laplace(kObserved);
  std::shared_ptr<const dist::Delta> point = laplace->get_posterior();
  CHECK(point->event_shape() == dist::Shape{2});
  const auto approximation = laplace.laplace_approximation(kObserved);
  const auto covariance = approximation->get_posterior()->covariance_matrix();
  CHECK(torch::allclose(covariance, 0.5 * torch::eye(2, torch::kDouble)));  // (2 I)^-1
}

TEST_CASE("a string literal in an infer dict is a string") {
  const ppl::InferDict infer{{"enumerate", "parallel"}, {"is_auxiliary", true}};
  CHECK(std::get<std::string>(infer.at("enumerate")) == "parallel");
  CHECK(std::get<bool>(infer.at("is_auxiliary")));
  const ppl::InferValue dim = int64_t{-2};
  CHECK(std::get<int64_t>(dim) == -2);

  // A literal given at a site reaches its trace as a string.
  const auto model = [] {
    ppl::sample("c", dist::Categorical(torch::ones({3})), {}, {{"enumerate", "sequential"}});
  };
  const auto trace = handlers::trace(model).get_trace();
  const auto* strategy = std::get_if<std::string>(&trace.at("c").infer.at("enumerate"));
  REQUIRE(strategy != nullptr);
  CHECK(*strategy == "sequential");
}

TEST_CASE("the callable that block returns has a nameable type") {
  static_assert(
      std::is_same_v<decltype(hide_z(gaussian)),
                     ppl::Handled<handlers::BlockMessenger, void (*)(const torch::Tensor&),
                                  handlers::BlockOptions>>);
  static_assert(std::is_same_v<
                decltype(handlers::scale(gaussian, 0.5)),
                ppl::Handled<handlers::ScaleMessenger, void (*)(const torch::Tensor&), double>>);
  const handlers::Blocked<void (*)(const torch::Tensor&)> hidden = hide_z(gaussian);
  const auto trace = handlers::trace(hidden).get_trace(kObserved);
  CHECK(!trace.contains("z"));
  CHECK(trace.contains("x"));
}

}  // namespace test_spellings
