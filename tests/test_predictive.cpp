// Predictive: returned sites and shapes, prior and posterior predictive draws, observed sites
// drawn from the likelihood, errors.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include <cmath>

using ppl::dist::Normal;
using ppl::infer::Predictive;

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

std::vector<std::string> keys(const ppl::infer::SampleDict& samples) {
  std::vector<std::string> names;
  for (const auto& [name, value] : samples) names.push_back(name);
  return names;
}

}  // namespace

TEST_CASE("without a guide, Predictive draws latents from the prior, observations afresh") {
  ppl::handlers::SeedMessenger seed(0);
  const auto samples = Predictive(model, 4000)(data());
  CHECK(keys(samples) == std::vector<std::string>{"mu", "twice_mu", "x"});
  const auto& mu = samples.at("mu");
  const auto& x = samples.at("x");
  CHECK(mu.sizes() == torch::IntArrayRef({4000}));
  CHECK(x.sizes() == torch::IntArrayRef({4000, 5}));
  CHECK(torch::equal(samples.at("twice_mu"), 2 * mu));
  check_normal_draws(mu, 0.0, 1.0);
  check_normal_draws(x - mu.unsqueeze(1), 0.0, 1.0);  // x | mu ~ N(mu, 1), not the data
}

TEST_CASE("with a guide, the latents follow the guide and the model's sites are replayed") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::handlers::SeedMessenger seed(1);
  const auto samples = Predictive(model, guide, 4000)(data());
  CHECK(keys(samples) == std::vector<std::string>{"mu", "twice_mu", "x"});  // Pyro: all sites
  const auto& mu = samples.at("mu");
  CHECK_FALSE(mu.requires_grad());
  CHECK(torch::equal(samples.at("twice_mu"), 2 * mu));
  check_normal_draws(mu, 2.0, 0.5);
  check_normal_draws(samples.at("x") - mu.unsqueeze(1), 0.0, 1.0);
}

TEST_CASE("return_sites chooses the sites; subsample sites and factors are left out") {
  ppl::handlers::SeedMessenger seed(2);
  const auto only_x = Predictive(model, 3, {"x"})(data());
  CHECK(keys(only_x) == std::vector<std::string>{"x"});
  CHECK(only_x.at("x").sizes() == torch::IntArrayRef({3, 5}));

  auto subsampled = [](const torch::Tensor& x) {
    ppl::plate data("data", x.size(0), ppl::PlateOptions().subsample_size(2));
    ppl::sample("z", Normal(torch::zeros({2}, torch::kDouble), 1.0));
    ppl::factor("penalty", torch::zeros({}, torch::kDouble));
  };
  const auto samples = Predictive(subsampled, 6)(data());
  CHECK(keys(samples) == std::vector<std::string>{"z"});
  CHECK(samples.at("z").sizes() == torch::IntArrayRef({6, 2}));
}

TEST_CASE("Predictive rejects a site the model does not sample and a non-positive count") {
  CHECK_THROWS_WITH_AS(Predictive(model, 2, {"nope"})(data()),
                       "Predictive: return site 'nope' is not a sample site of the model",
                       std::out_of_range);
  CHECK_THROWS_WITH_AS(Predictive(model, 0)(data()), "Predictive: num_samples must be >= 1, got 0",
                       std::invalid_argument);
  int calls = 0;
  auto growing = [&](const torch::Tensor&) {
    ppl::sample("z", Normal(torch::zeros({++calls}, torch::kDouble), 1.0));
  };
  CHECK_THROWS_WITH_AS(Predictive(growing, 2)(data()),
                       "Predictive: site 'z' has shape (1) in run 0 but (2) in run 1",
                       std::runtime_error);
  CHECK(ppl::handler_stack().empty());
}
