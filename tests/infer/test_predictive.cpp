// Predictive: observed sites stay observed, forecasts from the data, return sites, guides and
// posterior samples, sequential and parallel (vectorized) runs, errors.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <ppl/ppl.h>

#include <cmath>

namespace test_predictive {

using ppl::dist::Normal;
using ppl::infer::Predictive;
using ppl::infer::PredictiveOptions;
using ppl::infer::SampleDict;

namespace {

torch::Tensor data() {
  return torch::tensor({2.1, 3.4, 1.7, 2.9, 3.3}, torch::kDouble);
}

/// mu ~ N(0, 1); x_i ~ N(mu, 1) observed; twice_mu = 2 mu recorded as a deterministic site.
void model(const torch::Tensor& x) {
  auto mu = ppl::sample("mu", Normal(torch::zeros({}, x.options()), 1.0));
  ppl::deterministic("twice_mu", 2 * mu);
  ppl::plate data("data", x.size(0));
  ppl::sample("x", Normal(mu, 1.0), x);
}

/// mu ~ N(2, 0.5), through parameters that require gradients.
void guide(const torch::Tensor& x) {
  auto loc = ppl::param("loc", torch::tensor(2.0, x.options()));
  auto scale = ppl::param("scale", torch::tensor(0.5, x.options()), ppl::constraints::positive);
  ppl::sample("mu", Normal(loc, scale));
}

/// w ~ N(0, 1); y_j ~ N(w c_j, 1) in plate "data", observed at y when y is defined.
void regression(const torch::Tensor& c, const torch::Tensor& y) {
  auto w = ppl::sample("w", Normal(torch::zeros({}, c.options()), 1.0));
  ppl::plate data("data", c.size(0));
  ppl::sample("y", Normal(w * c, 1.0), y);
}

/// w ~ N(1.5, 0.2).
void regression_guide(const torch::Tensor& c, const torch::Tensor&) {
  ppl::sample("w", Normal(torch::tensor(1.5, c.options()), 0.2));
}

torch::Tensor covariates() {
  return torch::tensor({-1.0, 0.5, 2.0}, torch::kDouble);
}

/// Checks that `draws` have mean `mean` and sd `sd` within 4 standard errors (of the mean:
/// sd / sqrt(n); of the sd: sd / sqrt(2 n)).
void check_normal_draws(const torch::Tensor& draws, double mean, double sd) {
  const auto n = static_cast<double>(draws.numel());
  const double sample_mean = draws.mean().item<double>(), sample_sd = draws.std().item<double>();
  MESSAGE("mean " << sample_mean << " (expected " << mean << "), sd " << sample_sd << " (expected "
                  << sd << ") over " << n << " draws");
  CHECK(std::abs(sample_mean - mean) < 4 * sd / std::sqrt(n));
  CHECK(std::abs(sample_sd - sd) < 4 * sd / std::sqrt(2 * n));
}

std::vector<std::string> keys(const SampleDict& samples) {
  std::vector<std::string> names;
  for (const auto& [name, value] : samples) names.push_back(name);
  return names;
}

/// `value` (one observation) repeated along a leading dim of `n`.
torch::Tensor repeated(const torch::Tensor& value, int64_t n) {
  std::vector<int64_t> shape{n};
  shape.insert(shape.end(), value.sizes().begin(), value.sizes().end());
  return value.expand(shape);
}

// The AR(1) forecast, written as in Pyro: x_0 .. x_{T-1} observed, x_T .. x_{T+H-1} latent
// (observed at an undefined tensor), each step a site of its own.
constexpr double kRho = 0.737, kSigma = 0.5;

torch::Tensor series() {  // T = 8; the last observation x_7 = 1.603
  return torch::tensor({0.31, 0.52, -0.12, 0.41, 0.95, 1.21, 1.34, 1.603}, torch::kDouble);
}

void ar_model(const torch::Tensor& observed, int64_t horizon) {
  auto rho = ppl::sample("rho", ppl::dist::Uniform(torch::tensor(-1.0, torch::kDouble),
                                                   torch::tensor(1.0, torch::kDouble)));
  auto previous = ppl::sample("x_0", Normal(torch::tensor(0.0, torch::kDouble), 1.0), observed[0]);
  const int64_t length = observed.size(0);
  for (int64_t t = 1; t < length + horizon; ++t) {
    const torch::Tensor obs = t < length ? observed[t] : torch::Tensor();
    previous = ppl::sample(fmt::format("x_{}", t), Normal(rho * previous, kSigma), obs);
  }
}

void ar_guide(const torch::Tensor&, int64_t) {
  ppl::sample("rho", ppl::dist::Delta(torch::tensor(kRho, torch::kDouble)));
}

}  // namespace

TEST_CASE("an AR(1) forecast keeps the observed steps and starts from the last of them") {
  // x_8 | x_7 ~ N(rho x_7, sigma); x_9 | x_7 ~ N(rho^2 x_7, sigma sqrt(1 + rho^2)). Redrawing the
  // observed steps (the model run unconditioned) gives a forecast mean near 0 instead.
  const torch::Tensor observed = series();
  const double last = observed[7].item<double>();
  for (const bool parallel : {false, true}) {
    CAPTURE(parallel);
    ppl::handlers::SeedMessenger seed(3);
    const int64_t n = 4000;
    const auto samples =
        Predictive(ar_model, ar_guide, PredictiveOptions().num_samples(n).parallel(parallel))(
            observed, int64_t{3});
    CHECK(keys(samples) == std::vector<std::string>{"rho", "x_0", "x_1", "x_10", "x_2", "x_3",
                                                    "x_4", "x_5", "x_6", "x_7", "x_8", "x_9"});
    CHECK(torch::equal(samples.at("rho"), torch::full({n}, kRho, torch::kDouble)));
    for (int64_t t = 0; t < 8; ++t)
      CHECK(torch::equal(samples.at(fmt::format("x_{}", t)), repeated(observed[t], n)));
    CHECK(samples.at("x_8").sizes() == torch::IntArrayRef({n}));
    check_normal_draws(samples.at("x_8"), kRho * last, kSigma);
    check_normal_draws(samples.at("x_9"), kRho * kRho * last, kSigma * std::sqrt(1 + kRho * kRho));
  }
}

TEST_CASE("without a guide, latents come from the prior and observed sites keep their data") {
  ppl::handlers::SeedMessenger seed(0);
  const auto samples = Predictive(model, 4000)(data());
  CHECK(keys(samples) == std::vector<std::string>{"mu", "twice_mu", "x"});
  const auto& mu = samples.at("mu");
  CHECK(mu.sizes() == torch::IntArrayRef({4000}));
  CHECK(torch::equal(samples.at("x"), repeated(data(), 4000)));
  CHECK(torch::equal(samples.at("twice_mu"), 2 * mu));
  check_normal_draws(mu, 0.0, 1.0);
}

TEST_CASE("with a guide, the model is conditioned on the guide's latents") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::handlers::SeedMessenger seed(1);
  // A guide site the model does not have ("extra") is not returned, as in Pyro.
  auto guide_with_extra = [](const torch::Tensor& x) {
    guide(x);
    ppl::sample("extra", Normal(torch::zeros({}, x.options()), 1.0));
  };
  const auto samples = Predictive(model, guide_with_extra, 4000)(data());
  CHECK(keys(samples) == std::vector<std::string>{"mu", "twice_mu", "x"});  // Pyro: all sites
  const auto& mu = samples.at("mu");
  CHECK_FALSE(mu.requires_grad());
  CHECK(torch::equal(samples.at("twice_mu"), 2 * mu));
  CHECK(torch::equal(samples.at("x"), repeated(data(), 4000)));
  check_normal_draws(mu, 2.0, 0.5);

  // Predicting new data: y undefined, so drawn given the guide's w ~ N(1.5, 0.2).
  const auto predicted =
      Predictive(regression, regression_guide, 4000)(covariates(), torch::Tensor());
  CHECK(keys(predicted) == std::vector<std::string>{"w", "y"});
  CHECK(predicted.at("y").sizes() == torch::IntArrayRef({4000, 3}));
  check_normal_draws(predicted.at("w"), 1.5, 0.2);
  check_normal_draws(predicted.at("y") - predicted.at("w").unsqueeze(1) * covariates(), 0.0, 1.0);
}

TEST_CASE("return_sites chooses the sites; subsample sites and factors are left out") {
  ppl::handlers::SeedMessenger seed(2);
  const auto only_x = Predictive(model, 3, {"x"})(data());
  CHECK(keys(only_x) == std::vector<std::string>{"x"});
  CHECK(only_x.at("x").sizes() == torch::IntArrayRef({3, 5}));
  const auto chosen = Predictive(model, guide, 3, {"twice_mu"})(data());
  CHECK(keys(chosen) == std::vector<std::string>{"twice_mu"});

  auto subsampled = [](const torch::Tensor& x) {
    ppl::plate data("data", x.size(0), ppl::PlateOptions().subsample_size(2));
    ppl::sample("z", Normal(torch::zeros({2}, torch::kDouble), 1.0));
    ppl::factor("penalty", torch::zeros({}, torch::kDouble));
  };
  for (const bool parallel : {false, true}) {
    CAPTURE(parallel);
    const auto samples =
        Predictive(subsampled, PredictiveOptions().num_samples(6).parallel(parallel))(data());
    CHECK(keys(samples) == std::vector<std::string>{"z"});
    CHECK(samples.at("z").sizes() == torch::IntArrayRef({6, 2}));
  }
}

TEST_CASE("posterior samples condition the model, one sample per run") {
  // w given; y | w ~ N(w c, 1), so the residuals y - w c are N(0, 1) exactly when each run (or
  // each row of the vectorized run) uses its own w.
  const int64_t n = 2000;
  const SampleDict posterior{{"w", torch::linspace(-2.0, 2.0, n, torch::kDouble)}};
  for (const bool parallel : {false, true}) {
    CAPTURE(parallel);
    ppl::handlers::SeedMessenger seed(4);
    auto options = PredictiveOptions().parallel(parallel);
    const auto samples = Predictive(regression, posterior, options)(covariates(), torch::Tensor());
    CHECK(keys(samples) == std::vector<std::string>{"y"});  // posterior sites left out by default
    CHECK(samples.at("y").sizes() == torch::IntArrayRef({n, 3}));
    check_normal_draws(samples.at("y") - posterior.at("w").unsqueeze(1) * covariates(), 0.0, 1.0);

    const auto both =
        Predictive(regression, posterior, options.num_samples(n).return_sites({"w", "y"}))(
            covariates(), torch::Tensor());
    CHECK(keys(both) == std::vector<std::string>{"w", "y"});
    CHECK(torch::equal(both.at("w"), posterior.at("w")));
  }

  // The free function, with an observed y: it comes back as the data.
  const torch::Tensor y = torch::tensor({0.1, 0.2, 0.3}, torch::kDouble);
  const torch::Tensor c = covariates();
  const auto observed = ppl::infer::predictive([&] { regression(c, y); }, posterior);
  CHECK(torch::equal(observed.at("y"), repeated(y, n)));
}

TEST_CASE("parallel: one vectorized run with the samples left of the plates") {
  const int64_t n = 4000;
  SUBCASE("the draws have the sequential draws' distribution") {
    // y_j ~ N(1.5 c_j, sqrt(1 + 0.04 c_j^2)) under the guide w ~ N(1.5, 0.2).
    std::map<bool, SampleDict> by_mode;
    for (const bool parallel : {false, true}) {
      CAPTURE(parallel);
      ppl::handlers::SeedMessenger seed(5);
      by_mode[parallel] = Predictive(regression, regression_guide,
                                     PredictiveOptions().num_samples(n).parallel(parallel))(
          covariates(), torch::Tensor());
      CHECK(by_mode[parallel].at("w").sizes() == torch::IntArrayRef({n}));
      CHECK(by_mode[parallel].at("y").sizes() == torch::IntArrayRef({n, 3}));
    }
    for (int64_t j = 0; j < 3; ++j) {
      const double c_j = covariates()[j].item<double>(), sd = std::sqrt(1 + 0.04 * c_j * c_j);
      CAPTURE(j);
      check_normal_draws(by_mode[true].at("y").select(1, j), 1.5 * c_j, sd);
      const double difference =
          (by_mode[true].at("y").select(1, j).mean() - by_mode[false].at("y").select(1, j).mean())
              .item<double>();
      CHECK(std::abs(difference) < 4 * sd * std::sqrt(2.0 / n));
    }
  }
  SUBCASE("max_plate_nesting is guessed from the model's plates unless given") {
    // Two plates: the sample plate goes to dim -3 (or -4 when max_plate_nesting is 3), so the
    // model sees mu as (n, 1, 1) (or (n, 1, 1, 1)); the results are (n, ...site's shape).
    std::vector<int64_t> seen;
    auto nested = [&seen](const torch::Tensor& x) {
      auto mu = ppl::sample("mu", Normal(torch::zeros({}, x.options()), 1.0));
      seen = mu.sizes().vec();
      ppl::plate columns("columns", 2);
      ppl::plate rows("rows", 3);
      ppl::sample("z", Normal(mu, 1.0));
    };
    for (const int64_t nesting : {ppl::infer::kUnlimitedPlateNesting, int64_t{3}}) {
      CAPTURE(nesting);
      ppl::handlers::SeedMessenger seed(6);
      const auto samples = Predictive(
          nested,
          PredictiveOptions().num_samples(5).parallel(true).max_plate_nesting(nesting))(data());
      CHECK(seen ==
            (nesting == 3 ? std::vector<int64_t>{5, 1, 1, 1} : std::vector<int64_t>{5, 1, 1}));
      CHECK(samples.at("mu").sizes() == torch::IntArrayRef({5}));
      CHECK(samples.at("z").sizes() == torch::IntArrayRef({5, 3, 2}));
    }
  }
  SUBCASE("posterior samples of a vector-valued global latent broadcast left of the plates") {
    // b (event dim 2) outside the plate: the model sees it as (n, 1, 2), so b[..., 0] lines up
    // with the sample dim (Pyro would pass (n, 2) here, which the model cannot broadcast).
    auto model_b = [](const torch::Tensor& c) {
      auto b = ppl::sample("b", Normal(torch::zeros({2}, c.options()), 1.0).to_event(1));
      ppl::plate data("data", c.size(0));
      ppl::sample("y", Normal(b.select(-1, 0) + b.select(-1, 1) * c, 1.0));
    };
    ppl::handlers::SeedMessenger seed(7);
    const SampleDict posterior{{"b", torch::randn({n, 2}, torch::kDouble)}};
    const auto samples =
        Predictive(model_b, posterior, PredictiveOptions().parallel(true))(covariates());
    const auto& b = posterior.at("b");
    CHECK(samples.at("y").sizes() == torch::IntArrayRef({n, 3}));
    check_normal_draws(
        samples.at("y") - b.select(1, 0).unsqueeze(1) - b.select(1, 1).unsqueeze(1) * covariates(),
        0.0, 1.0);
  }
}

TEST_CASE("Predictive rejects bad counts, unknown sites and shapes that change") {
  CHECK_THROWS_WITH_AS(Predictive(model, 2, {"nope"})(data()),
                       "Predictive: return site 'nope' is not a sample site of the model",
                       std::out_of_range);
  CHECK_THROWS_WITH_AS(Predictive(model, 0)(data()), "Predictive: num_samples must be >= 1, got 0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Predictive(model, PredictiveOptions())(data()),
                       "Predictive: num_samples is not set and there are no posterior samples to "
                       "take it from",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(
      Predictive(model, PredictiveOptions().num_samples(2).max_plate_nesting(-1))(data()),
      "Predictive: max_plate_nesting must be >= 0, got -1", std::invalid_argument);
  const SampleDict uneven{{"a", torch::zeros({3})}, {"b", torch::zeros({4})}};
  CHECK_THROWS_WITH_AS(Predictive(model, uneven)(data()),
                       "Predictive: posterior samples 'a' and 'b' have different leading "
                       "(sample) dims, 3 and 4",
                       std::invalid_argument);
  const SampleDict three{{"mu", torch::zeros({3})}};
  CHECK_THROWS_WITH_AS(Predictive(model, three, PredictiveOptions().num_samples(5))(data()),
                       "Predictive: posterior sample 'mu' has 3 samples (its leading dim) but "
                       "num_samples is 5",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Predictive(model, SampleDict{{"mu", torch::zeros({})}})(data()),
                       "Predictive: posterior sample 'mu' has no leading sample dim (it is 0-dim)",
                       std::invalid_argument);

  int calls = 0;
  auto growing = [&](const torch::Tensor&) {
    ppl::sample("z", Normal(torch::zeros({++calls}, torch::kDouble), 1.0));
  };
  CHECK_THROWS_WITH_AS(Predictive(growing, 2)(data()),
                       "Predictive: site 'z' has shape (1) in run 0 but (2) in run 1",
                       std::runtime_error);

  auto first_run_only = [&](const torch::Tensor&) {
    if (calls++ == 0) ppl::sample("z", Normal(torch::zeros({}, torch::kDouble), 1.0));
  };
  calls = 0;
  CHECK_THROWS_WITH_AS(Predictive(first_run_only, 2)(data()),
                       "Predictive: site 'z' is missing from run 1 (it is in run 0)",
                       std::runtime_error);

  // A model that does not broadcast over the sample dim: its deterministic site has one value
  // (an event of size 1) in the plain run but events of size 2 in the vectorized run.
  auto not_broadcasting = [](const torch::Tensor& x) {
    auto mu = ppl::sample("mu", Normal(torch::zeros({}, x.options()), 1.0));
    ppl::deterministic("d", mu.dim() == 0 ? mu.reshape({1}) : torch::stack({mu, mu}, -1), 1);
  };
  CHECK_THROWS_WITH_AS(
      Predictive(not_broadcasting, PredictiveOptions().num_samples(3).parallel(true))(data()),
      "Predictive: site 'd' has shape (3, 2) in the vectorized run, which does not give (3, 1); "
      "does the model broadcast over the dims left of its plates?",
      std::runtime_error);
  // One that fails outright in the vectorized run: the error names the plate that was added,
  // its dim and the last site with its batch shape.
  auto vector_latent = [](const torch::Tensor& x) {
    auto w = ppl::sample("w", Normal(torch::zeros({3}, x.options()), 1.0).to_event(1));
    ppl::sample("y", Normal(w.dot(torch::ones({3}, x.options())), 1.0));
  };
  CHECK_THROWS_WITH_AS(
      Predictive(vector_latent, PredictiveOptions().num_samples(3).parallel(true))(data()),
      doctest::Contains("(the program ran vectorized by Predictive(parallel=true): every site is "
                        "inside plate '_num_predictive_samples' of size 3 at dim -1, left of the "
                        "program's own plates; the last sample site, 'w', has batch shape (3)"),
      std::runtime_error);
  CHECK(ppl::handler_stack().empty());
}

}  // namespace test_predictive
