// Autoguides (ppl/infer/autoguide/): what they sample, their parameters and names, init
// strategies, queries, subsampling, AutoGuideList, and the errors they raise.
#include "tests/support.h"

#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include <cmath>

namespace test_autoguide {

namespace dist = ppl::dist;
namespace infer = ppl::infer;
namespace handlers = ppl::handlers;
using ppl::testing::contains;
using ppl::testing::doubles;
using ppl::testing::what_of;

namespace {

/// A global location, a positive scale and a local latent per data point.
void hierarchical(const torch::Tensor& x) {
  auto mu = ppl::sample("mu", dist::Normal(doubles({0.0}).squeeze(), 5.0));
  auto sigma = ppl::sample("sigma", dist::LogNormal(doubles({0.0}).squeeze(), 1.0));
  ppl::plate data("data", x.size(0));
  auto z = ppl::sample("z", dist::Normal(mu, sigma));
  ppl::sample("x", dist::Normal(z, 1.0), x);
}

const torch::Tensor kData = doubles({0.5, 1.5, 2.0, -0.5, 1.0});

}  // namespace

TEST_CASE("AutoNormal samples a Normal per latent, through an auxiliary site when constrained") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(0);
  infer::AutoNormal guide(hierarchical);
  const auto trace = handlers::trace(guide).get_trace(kData);

  // A constrained site: a Normal in unconstrained space at an auxiliary site, then a Delta.
  CHECK(trace.at("sigma").fn->name() == "Delta");
  CHECK(std::get<bool>(trace.at("sigma_unconstrained").infer.at("is_auxiliary")));
  // A real site: its Normal directly.
  for (const char* name : {"mu", "z"}) {
    CAPTURE(name);
    CHECK(trace.at(name).fn->name() == "Normal");
    CHECK(!trace.contains(std::string(name) + "_unconstrained"));
  }
  CHECK(trace.at("z").value.sizes() == kData.sizes());
  CHECK(trace.at("z").cond_indep_stack.at(0).name == "data");
  CHECK((trace.at("sigma").value > 0).item<bool>());
  // Pyro's names, one loc and one scale per element of a site inside a plate.
  CHECK(store.names() == std::vector<std::string>{"AutoNormal.locs.mu", "AutoNormal.scales.mu",
                                                  "AutoNormal.locs.sigma",
                                                  "AutoNormal.scales.sigma", "AutoNormal.locs.z",
                                                  "AutoNormal.scales.z"});
  CHECK(store.get("AutoNormal.locs.z").sizes() == kData.sizes());
  CHECK(store.constraint("AutoNormal.scales.mu")->to_string() == "softplus_positive");
  // init_to_feasible and init_scale 0.1: locs 0 (sigma's feasible point is 1, log 1 = 0).
  CHECK(store.get("AutoNormal.locs.sigma").item<double>() == doctest::Approx(0.0));
  CHECK(store.get("AutoNormal.scales.z").allclose(torch::full({5}, 0.1, torch::kDouble)));
}

TEST_CASE("an autoguide's log density is the change of variables from its Normal") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(1);
  auto model = [] { ppl::sample("s", dist::Gamma(2.0, 3.0)); };
  infer::AutoNormal guide(model);
  auto trace = handlers::trace(guide).get_trace();
  trace.compute_log_prob();
  const auto u = trace.at("s_unconstrained").value;
  const auto s = trace.at("s").value;
  CHECK(s.allclose(u.exp()));
  // log q(s) = log N(u; loc, scale) - log |ds/du| = log N(u) - u.
  const double expected =
      dist::Normal(store.get("AutoNormal.locs.s"), store.get("AutoNormal.scales.s"))
          .log_prob(u)
          .item<double>() -
      u.item<double>();
  const double actual =
      (trace.at("s_unconstrained").log_prob_sum() + trace.at("s").log_prob_sum()).item<double>();
  CHECK(actual == doctest::Approx(expected).epsilon(1e-6));  // float32: the model's numbers
}

TEST_CASE("copies of an autoguide share it: SVI fits the guide that is queried afterwards") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(2);
  auto model = [](const torch::Tensor& x) {
    auto loc = ppl::sample("loc", dist::Normal(doubles({0.0}).squeeze(), 10.0));
    ppl::plate data("data", x.size(0));
    ppl::sample("x", dist::Normal(loc, 1.0), x);
  };
  infer::AutoDelta guide(model);
  infer::SVI svi(model, guide, ppl::optim::Adam({0.1}), infer::Trace_ELBO());
  const auto x = doubles({3.0, 4.0, 5.0});
  for (int i = 0; i < 300; ++i) svi.step(x);
  // MAP: sum(x) / (n + 1/100).
  CHECK(guide.median().at("loc").item<double>() == doctest::Approx(12.0 / 3.01).epsilon(1e-3));
  CHECK(guide->name() == "AutoDelta");
  CHECK(store.contains("AutoDelta.loc"));
}

TEST_CASE("the init strategies start where they say") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(3);
  auto model = [] {
    ppl::sample("a", dist::Normal(doubles({2.0, 2.0}), 0.001));
    ppl::sample("b", dist::Uniform(doubles({1.0}), doubles({3.0})));
  };
  auto start = [&](infer::InitFn init) {
    store.clear();
    infer::AutoDelta guide(model, infer::AutoDeltaOptions().init_loc_fn(std::move(init)));
    return guide.median();
  };
  auto feasible = start(infer::init_to_feasible());
  CHECK(feasible.at("a").allclose(torch::zeros({2}, torch::kDouble)));
  CHECK(feasible.at("b").allclose(doubles({2.0})));
  auto median = start(infer::init_to_median());
  CHECK(median.at("a").allclose(doubles({2.0, 2.0}), 0, 0.005));
  auto mean = start(infer::init_to_mean());
  CHECK(mean.at("a").allclose(doubles({2.0, 2.0})));
  CHECK(mean.at("b").allclose(doubles({2.0})));
  auto sample = start(infer::init_to_sample());
  CHECK(sample.at("a").allclose(doubles({2.0, 2.0}), 0, 0.01));
  CHECK(!sample.at("a").equal(doubles({2.0, 2.0})));
  // Uniform on (-1, 1) in unconstrained space: b in (1 + 2 sigmoid(-1), 1 + 2 sigmoid(1)).
  auto uniform = start(infer::init_to_uniform(1.0));
  const double b = uniform.at("b").item<double>();
  CHECK(b > 1 + 2 / (1 + std::exp(1.0)));
  CHECK(b < 1 + 2 / (1 + std::exp(-1.0)));
  CHECK((uniform.at("a").abs() < 1).all().item<bool>());
  auto value = start(infer::init_to_value({{"a", doubles({7.0, 8.0})}}, infer::init_to_feasible()));
  CHECK(value.at("a").equal(doubles({7.0, 8.0})));
  CHECK(value.at("b").allclose(doubles({2.0})));
}

TEST_CASE("init_to_median falls back for multivariate sites and init_to_mean without a mean") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(4);
  auto model = [] {
    ppl::sample("p", dist::Dirichlet(doubles({1.0, 1.0, 1.0})));
    ppl::sample("c", dist::Cauchy(doubles({5.0}), 1.0));
  };
  infer::AutoDelta guide(model, infer::AutoDeltaOptions().init_loc_fn(infer::init_to_mean()));
  const auto start = guide.median();
  CHECK(start.at("p").allclose(torch::full({3}, 1.0 / 3, torch::kDouble)));
  // Cauchy has no mean: the median of 15 draws, near 5.
  CHECK(std::abs(start.at("c").item<double>() - 5.0) < 2.0);
  infer::AutoDelta median_guide(
      [] {
        ppl::sample("p", dist::Dirichlet(doubles({1.0, 1.0, 1.0})));
      },
      infer::AutoDeltaOptions().init_loc_fn(infer::init_to_median()).name("second"));
  CHECK(median_guide.median().at("p").allclose(torch::full({3}, 1.0 / 3, torch::kDouble)));
}

TEST_CASE("an init value of the wrong shape is an error naming the site") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::enable_validation(true);
  auto model = [] { ppl::sample("w", dist::Normal(torch::zeros({3}, torch::kDouble), 1.0)); };
  infer::AutoNormal guide(model, infer::AutoNormalOptions().init_loc_fn(
                                     infer::init_to_value({{"w", torch::zeros({2})}})));
  const auto message = what_of([&] { guide(); });
  CHECK(contains(message,
                 "initializing sample site 'w': expected a value of shape (3) but found (2)"));
  CHECK(!guide->is_set_up());
}

TEST_CASE("autoguides name the discrete or sequentially plated site they cannot guide") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto discrete = [] {
    auto p = ppl::sample("p", dist::Beta(1.0, 1.0));
    ppl::sample("k", dist::Bernoulli(p));
  };
  infer::AutoNormal guide(discrete);
  const auto message = ppl::testing::invalid_argument_of([&] { guide(); });
  CHECK(contains(message, "AutoNormal: cannot handle the discrete sample site 'k'"));
  CHECK(contains(message, "hide({\"k\"})"));
  // Hidden from the autoguide, the site is left to the rest of the guide.
  infer::AutoNormal blocked(handlers::block(discrete, handlers::BlockOptions().hide({"k"})));
  CHECK(handlers::trace(blocked).get_trace().contains("p"));
  CHECK(!handlers::trace(blocked).get_trace().contains("k"));

  auto sequential = [] {
    for (int64_t i : ppl::plate_range("steps", 2))
      ppl::sample("x_" + std::to_string(i), dist::Normal(0.0, 1.0));
  };
  infer::AutoDiagonalNormal diagonal(sequential);
  CHECK(contains(what_of([&] { diagonal(); }),
                 "AutoDiagonalNormal: sample site 'x_0' is inside the sequential plate 'steps'"));
  infer::AutoDiagonalNormal empty([] {});
  CHECK(contains(what_of([&] { empty(); }), "AutoDiagonalNormal: the model has no continuous"));
  CHECK(contains(what_of([] { infer::AutoNormalImpl(infer::AutoNormalOptions().init_scale(0)); }),
                 "init_scale must be > 0, got 0"));
  CHECK(contains(what_of([&] {
                   infer::AutoNormal fresh(discrete);
                   fresh->median();
                 }),
                 "AutoNormal: the guide has not run yet"));
}

TEST_CASE("the packed guides pack every site unconstrained and unpack them in order") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(5);
  infer::AutoMultivariateNormal guide(hierarchical);
  const auto trace = handlers::trace(guide).get_trace(kData);
  CHECK(guide->latent_dim() == 1 + 1 + 5);
  const auto& latent = trace.at("_AutoMultivariateNormal_latent");
  CHECK(latent.fn->name() == "MultivariateNormal");
  CHECK(latent.value.sizes() == c10::IntArrayRef{7});
  CHECK(trace.at("sigma").value.allclose(latent.value[1].exp()));
  CHECK(trace.at("z").value.allclose(latent.value.slice(0, 2, 7)));
  CHECK(store.names() == std::vector<std::string>{"AutoMultivariateNormal.loc",
                                                  "AutoMultivariateNormal.scale",
                                                  "AutoMultivariateNormal.scale_tril"});
  CHECK(store.constraint("AutoMultivariateNormal.scale_tril")->to_string() ==
        "unit_lower_cholesky");
  CHECK(guide->get_posterior()->name() == "MultivariateNormal");

  infer::AutoLowRankMultivariateNormal low_rank(
      hierarchical, infer::AutoLowRankMultivariateNormalOptions().rank(2));
  handlers::trace(low_rank).get_trace(kData);
  CHECK(low_rank->rank() == 2);
  CHECK(store.get("AutoLowRankMultivariateNormal.cov_factor").sizes() == c10::IntArrayRef{7, 2});
  infer::AutoLowRankMultivariateNormal default_rank(
      hierarchical, infer::AutoLowRankMultivariateNormalOptions().name("other"));
  default_rank.setup(kData);
  CHECK(default_rank->rank() == 3);  // round(sqrt(7))
}

TEST_CASE("median and quantiles are the guide's, constrained") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(6);
  infer::AutoNormal normal(hierarchical);
  normal.setup(kData);
  store.set("AutoNormal.locs.sigma", doubles({0.5}).squeeze());
  store.set("AutoNormal.scales.sigma", doubles({2.0}).squeeze(),
            ppl::constraints::softplus_positive);
  const auto medians = normal.median();
  CHECK(medians.at("sigma").item<double>() == doctest::Approx(std::exp(0.5)));
  const auto quantiles = normal.quantiles({0.1, 0.5, 0.9});
  CHECK(quantiles.at("z").sizes() == c10::IntArrayRef{3, 5});
  // The 0.9 quantile of exp(N(0.5, 2)): exp(0.5 + 2 * 1.28155).
  CHECK(quantiles.at("sigma")[2].item<double>() ==
        doctest::Approx(std::exp(0.5 + 2 * 1.2815515655)).epsilon(1e-6));
  CHECK(quantiles.at("sigma")[1].item<double>() == doctest::Approx(std::exp(0.5)));

  infer::AutoDiagonalNormal diagonal(hierarchical);
  diagonal.setup(kData);
  store.set("AutoDiagonalNormal.loc", doubles({1, 0.5, 0, 0, 0, 0, 0}));
  store.set("AutoDiagonalNormal.scale", torch::full({7}, 2.0, torch::kDouble),
            ppl::constraints::softplus_positive);
  const auto packed = diagonal.quantiles({0.1, 0.9});
  CHECK(packed.at("mu").sizes() == c10::IntArrayRef{2});
  CHECK(packed.at("z").sizes() == c10::IntArrayRef{2, 5});
  CHECK(packed.at("sigma")[1].item<double>() ==
        doctest::Approx(std::exp(0.5 + 2 * 1.2815515655)).epsilon(1e-6));
  CHECK(diagonal.median().at("mu").item<double>() == doctest::Approx(1.0));
}

TEST_CASE("autoguides work with every ELBO, Importance, iwae_bound and Predictive") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(7);
  infer::AutoNormal guide(hierarchical);
  for (double loss :
       {infer::Trace_ELBO().loss(hierarchical, guide, kData),
        infer::TraceMeanField_ELBO().loss(hierarchical, guide, kData),
        infer::Trace_ELBO(
            infer::ELBOOptions().num_particles(8).vectorize_particles(true).max_plate_nesting(1))
            .loss(hierarchical, guide, kData)}) {
    CHECK(std::isfinite(loss));
  }
  infer::AutoMultivariateNormal mvn(hierarchical);
  CHECK(std::isfinite(
      infer::Trace_ELBO(
          infer::ELBOOptions().num_particles(4).vectorize_particles(true).max_plate_nesting(1))
          .loss(hierarchical, mvn, kData)));
  const auto bound = infer::iwae_bound(
      hierarchical, guide, infer::IWAEOptions().num_samples(10).max_plate_nesting(1), kData);
  CHECK(bound.sizes() == kData.sizes());  // one bound per data point
  CHECK(bound.isfinite().all().item<bool>());
  auto posterior = infer::Importance(hierarchical, guide, 20).run(kData);
  CHECK(std::isfinite(posterior.log_marginal()));
  const auto samples = infer::Predictive(hierarchical, mvn, 30)(kData);
  CHECK(samples.at("z").sizes() == c10::IntArrayRef{30, 5});
  CHECK((samples.at("sigma") > 0).all().item<bool>());
  CHECK(samples.at("x")[0].equal(kData));
  const auto parallel = infer::Predictive(
      hierarchical, guide, infer::PredictiveOptions().num_samples(30).parallel(true))(kData);
  CHECK(parallel.at("z").sizes() == c10::IntArrayRef{30, 5});
}

TEST_CASE("AutoGuideList mixes an autoguide of some sites with a hand-written guide") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(8);
  infer::AutoGuideList guide(hierarchical);
  guide.append(infer::AutoDiagonalNormal(
      handlers::block(hierarchical, handlers::BlockOptions().hide({"z"}))));
  guide.append([](const torch::Tensor& x) {
    auto loc = ppl::param("z_loc", torch::zeros_like(x));
    ppl::plate data("data", x.size(0));
    ppl::sample("z", dist::Normal(loc, 0.1));
  });
  const auto trace = handlers::trace(guide).get_trace(kData);
  CHECK(trace.contains("_AutoGuideList.0_latent"));
  CHECK(trace.at("_AutoGuideList.0_latent").value.sizes() == c10::IntArrayRef{2});
  CHECK(trace.contains("z"));
  CHECK(store.contains("AutoGuideList.0.loc"));
  CHECK(store.contains("z_loc"));
  const auto values = guide(kData);
  CHECK(values.count("mu") == 1);
  CHECK(values.count("sigma") == 1);
  CHECK(guide.median(kData).count("mu") == 1);
  CHECK(guide.median(kData).count("z") == 0);  // a hand-written part has no median
  infer::SVI svi(hierarchical, guide, ppl::optim::Adam({0.01}), infer::Trace_ELBO());
  CHECK(std::isfinite(svi.step(kData)));

  infer::AutoNormal part(hierarchical);
  part.setup(kData);
  infer::AutoGuideList late(hierarchical, "late");
  CHECK(
      contains(what_of([&] { late.append(part); }), "cannot rename an autoguide once it has run"));
}

TEST_CASE("AutoNormal's parameters over a subsampled plate are full size and sliced per step") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(9);
  const auto x = torch::arange(20, torch::kDouble);
  auto model = [](const torch::Tensor& data) {
    auto mu = ppl::sample("mu", dist::Normal(doubles({0.0}).squeeze(), 10.0));
    ppl::plate batch("batch", data.size(0), ppl::PlateOptions().subsample_size(5));
    auto z = ppl::sample("z", dist::Normal(mu, 1.0));
    ppl::sample("x", dist::Normal(z, 1.0), data.index_select(0, batch.indices()));
  };
  infer::AutoNormal guide(model);
  store.set("AutoNormal.locs.z", x);  // created by hand: row i has loc i
  const auto trace = handlers::trace(guide).get_trace(x);
  const auto indices = trace.at("batch").value;
  CHECK(indices.sizes() == c10::IntArrayRef{5});
  CHECK(store.get("AutoNormal.locs.z").sizes() == c10::IntArrayRef{20});
  const auto& z = trace.at("z");
  CHECK(z.fn->batch_shape() == dist::Shape{5});
  // Each row's loc is its index: the draws sit near the subsample's indices.
  CHECK((z.value - indices.to(torch::kDouble)).abs().max().item<double>() < 1.0);
  CHECK(trace.at("z").scale == doctest::Approx(4.0));
}

TEST_CASE("an autoguide's parameters go through a param store checkpoint unchanged") {
  ppl::testing::TempDir dir;
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(10);
  infer::AutoNormal guide(hierarchical);
  infer::SVI svi(hierarchical, guide, ppl::optim::Adam({0.05}), infer::Trace_ELBO());
  for (int i = 0; i < 20; ++i) svi.step(kData);
  const auto medians = guide.median();
  store.save(dir / "fit.pt");

  ppl::ParamStore restored;
  ppl::ParamStoreScope restored_scope(restored);
  restored.load(dir / "fit.pt");
  infer::AutoNormal fresh(hierarchical);  // a new program: its prototype finds the parameters
  for (const auto& [name, value] : fresh.median(kData)) CHECK(value.equal(medians.at(name)));
  CHECK(restored.constraint("AutoNormal.scales.z")->to_string() == "softplus_positive");
}

TEST_CASE("block's expose chooses the sites an AutoGuideList part guides") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  handlers::SeedMessenger seed(11);
  infer::AutoGuideList guide(hierarchical);
  guide.append(infer::AutoDelta(
      handlers::block(hierarchical, handlers::BlockOptions().expose({"mu", "sigma"}))));
  guide.append(
      infer::AutoNormal(handlers::block(hierarchical, handlers::BlockOptions().expose({"z"}))));
  const auto trace = handlers::trace(guide).get_trace(kData);
  CHECK(trace.at("mu").fn->name() == "Delta");
  CHECK(!trace.contains("mu_unconstrained"));
  CHECK(trace.at("z").fn->name() == "Normal");
  CHECK(store.names() == std::vector<std::string>{"AutoGuideList.0.mu", "AutoGuideList.0.sigma",
                                                  "AutoGuideList.1.locs.z",
                                                  "AutoGuideList.1.scales.z"});
  const auto quantiles = guide.quantiles({0.25, 0.75}, kData);
  CHECK(quantiles.at("mu").sizes() == c10::IntArrayRef{2});
  CHECK(quantiles.at("z").sizes() == c10::IntArrayRef{2, 5});
  CHECK((quantiles.at("z")[0] < quantiles.at("z")[1]).all().item<bool>());
}

TEST_CASE("a Laplace approximation away from a maximum is an error naming the guide") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto model = [] {  // log joint -|z|^2 / 200 + |z|^2: no maximum
    auto z = ppl::sample("z", dist::Normal(torch::zeros({2}, torch::kDouble), 10.0).to_event(1));
    ppl::factor("bowl", z.pow(2).sum());
  };
  infer::AutoLaplaceApproximation guide(model);
  CHECK(contains(what_of([&] { guide.laplace_approximation(); }),
                 "AutoLaplaceApproximation: the Hessian of the negative log joint at loc is not "
                 "positive definite"));
}

}  // namespace test_autoguide
