// Importance sampling and the importance-weighted bound: log weights, the estimate of log p(x),
// effective sample size and posterior means on a conjugate model with known evidence; the
// per-data-point bound of an amortized model against the exact log p(x), the ELBO at K = 1,
// a loop with the same draws, subsampling and errors.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include <algorithm>
#include <cmath>

namespace test_importance {

using ppl::dist::Normal;
using ppl::infer::Importance;
using ppl::infer::IWAEOptions;

namespace {

const double kLog2Pi = std::log(2 * M_PI);

double normal_log_density(double x, double loc, double scale) {
  return -0.5 * kLog2Pi - std::log(scale) - 0.5 * std::pow((x - loc) / scale, 2);
}

torch::Tensor data() {
  return torch::tensor({2.1, 3.4, 1.7, 2.9, 3.3}, torch::kDouble);
}

/// mu ~ N(0, 1); x_i ~ N(mu, 1).
void model(const torch::Tensor& x) {
  auto mu = ppl::sample("mu", Normal(torch::zeros({}, x.options()), 1.0));
  ppl::plate data("data", x.size(0));
  ppl::sample("x", Normal(mu, 1.0), x);
}

/// The exact posterior of `model`: N(sum x / (n + 1), 1 / sqrt(n + 1)).
struct Posterior {
  double loc, scale;
  explicit Posterior(const torch::Tensor& x) {
    const auto n = static_cast<double>(x.size(0));
    loc = x.sum().item<double>() / (n + 1);
    scale = 1 / std::sqrt(n + 1);
  }
};

/// log p(x) = log p(x | mu) + log p(mu) - log p(mu | x) at mu = the posterior mean.
double log_evidence(const torch::Tensor& x) {
  const Posterior posterior(x);
  const double mu = posterior.loc;
  double log_p = normal_log_density(mu, 0, 1) - normal_log_density(mu, mu, posterior.scale);
  for (int64_t i = 0; i < x.size(0); ++i) log_p += normal_log_density(x[i].item<double>(), mu, 1);
  return log_p;
}

/// A guide N(loc, scale) for `model` with fixed numbers.
auto normal_guide(double loc, double scale) {
  return [loc, scale](const torch::Tensor& x) {
    ppl::sample("mu", Normal(torch::tensor(loc, x.options()), scale));
  };
}

/// The Monte Carlo standard error of log_marginal(): the delta method on the mean weight.
double log_marginal_standard_error(const ppl::infer::ImportanceResult& result) {
  const auto n = static_cast<double>(result.log_weights.size(0));
  return (result.normalized_weights() * n).std().item<double>() / std::sqrt(n);
}

}  // namespace

TEST_CASE("with the exact posterior as guide, every log weight is log p(x) and the ESS is N") {
  ppl::handlers::SeedMessenger seed(0);
  const auto x = data();
  const Posterior posterior(x);
  const auto result = Importance(model, normal_guide(posterior.loc, posterior.scale), 50).run(x);
  REQUIRE(result.log_weights.sizes() == torch::IntArrayRef({50}));
  CHECK(result.traces.size() == 50);
  const double log_p = log_evidence(x);
  CHECK((result.log_weights - log_p).abs().max().item<double>() < 1e-10);
  CHECK(result.log_marginal() == doctest::Approx(log_p).epsilon(1e-12));
  CHECK(result.effective_sample_size() == doctest::Approx(50).epsilon(1e-12));
  CHECK(torch::allclose(result.normalized_weights(), torch::full({50}, 0.02, torch::kDouble)));
  CHECK(result.site_values("mu").sizes() == torch::IntArrayRef({50}));
  CHECK(torch::equal(result.site_values("x"), x.expand({50, 5})));  // observed: the data
}

TEST_CASE("with the prior as proposal, the weights are likelihoods and estimate log p(x)") {
  ppl::handlers::SeedMessenger seed(1);
  const auto x = data();
  const int64_t n = 4000;
  const auto result = Importance(model, n).run(x);
  const auto mu = result.site_values("mu");
  double max_error = 0;
  for (int64_t i = 0; i < n; ++i) {
    double log_likelihood = 0;
    for (int64_t j = 0; j < x.size(0); ++j)
      log_likelihood += normal_log_density(x[j].item<double>(), mu[i].item<double>(), 1);
    max_error =
        std::max(max_error, std::abs(result.log_weights[i].item<double>() - log_likelihood));
  }
  CHECK(max_error < 1e-10);

  const double log_p = log_evidence(x), estimate = result.log_marginal();
  const double standard_error = log_marginal_standard_error(result);
  const double ess = result.effective_sample_size();
  MESSAGE("log p(x) " << log_p << ", estimate " << estimate << " +- " << standard_error << ", ESS "
                      << ess << " of " << n);
  CHECK(std::abs(estimate - log_p) < 4 * standard_error);
  CHECK(standard_error < 0.15);
  CHECK(ess < 0.2 * n);  // the posterior (sd 0.41 at 2.2) is far into the prior's tail
  CHECK(ess > 1);
}

TEST_CASE("a guide wider than the posterior: log p(x), the posterior mean and a middling ESS") {
  ppl::handlers::SeedMessenger seed(2);
  const auto x = data();
  const Posterior posterior(x);
  const int64_t n = 4000;
  const auto result = Importance(model, normal_guide(2.0, 1.0), n).run(x);
  const auto weights = result.normalized_weights();
  const auto mu = result.site_values("mu");
  const auto mean = result.weighted_mean("mu");
  CHECK(mean.dim() == 0);
  CHECK(mean.item<double>() == doctest::Approx((weights * mu).sum().item<double>()));
  // The self-normalized estimator's standard error (delta method).
  const double mean_error = (weights.square() * (mu - mean).square()).sum().sqrt().item<double>();
  const double log_p = log_evidence(x), estimate = result.log_marginal();
  const double log_p_error = log_marginal_standard_error(result);
  const double ess = result.effective_sample_size();
  MESSAGE("posterior mean " << posterior.loc << ", estimate " << mean.item<double>() << " +- "
                            << mean_error << "; log p(x) " << log_p << ", estimate " << estimate
                            << " +- " << log_p_error << "; ESS " << ess);
  CHECK(std::abs(mean.item<double>() - posterior.loc) < 4 * mean_error);
  CHECK(mean_error < 0.02);
  CHECK(std::abs(estimate - log_p) < 4 * log_p_error);
  CHECK(ess > 0.3 * n);
  CHECK(ess < 0.9 * n);
}

TEST_CASE("Importance rejects a non-positive count and a site the model does not sample") {
  const auto x = data();
  CHECK_THROWS_WITH_AS(Importance(model, 0).run(x), "Importance: num_samples must be >= 1, got 0",
                       std::invalid_argument);
  const auto result = Importance(model, 2).run(x);
  CHECK_THROWS_WITH_AS(result.site_values("nope"),
                       "Importance: 'nope' is not a sample site of the model", std::out_of_range);
  CHECK(ppl::handler_stack().empty());
}

namespace {

/// An amortized conjugate model: z_i ~ N(0, I_2), x_i ~ N(z_i, I_2) for each row of x.
void local_model(const torch::Tensor& x) {
  ppl::plate data("data", x.size(0));
  auto z = ppl::sample("z", Normal(torch::zeros_like(x), 1.0).to_event(1));
  ppl::sample("x", Normal(z, 1.0).to_event(1), x);
}

/// q(z_i | x_i) = N(slope x_i, scale); the exact posterior is N(x_i / 2, sqrt(1 / 2)).
auto local_guide(double slope, double scale) {
  return [slope, scale](const torch::Tensor& x) {
    ppl::plate data("data", x.size(0));
    ppl::sample("z", Normal(slope * x, scale).to_event(1));
  };
}

/// log p(x_i) = sum_d log N(x_id | 0, sqrt 2), (rows,).
torch::Tensor local_log_evidence(const torch::Tensor& x) {
  return (-0.5 * kLog2Pi - 0.5 * std::log(2.0) - x.square() / 4).sum(-1);
}

/// The ELBO of each row for the guide N(slope x, scale): log p(x_i) - KL(q || posterior).
torch::Tensor local_elbo(const torch::Tensor& x, double slope, double scale) {
  const double posterior_var = 0.5, var = scale * scale;
  const auto kl = 0.5 * (var / posterior_var + (slope * x - x / 2).square() / posterior_var - 1 -
                         std::log(var / posterior_var));
  return local_log_evidence(x) - kl.sum(-1);
}

/// Rows drawn from p(x) with their own generator (seeded apart from the samplers' seeds).
torch::Tensor local_data(int64_t rows, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  return std::sqrt(2.0) * torch::randn({rows, 2}, generator, torch::kDouble);  // from p(x)
}

}  // namespace

TEST_CASE("iwae: with the exact posterior as guide, the bound is log p(x) for every K") {
  ppl::handlers::SeedMessenger seed(3);
  const auto x = local_data(6, 103);
  auto guide = local_guide(0.5, std::sqrt(0.5));
  for (int64_t k : {1, 7}) {
    CAPTURE(k);
    const auto options = IWAEOptions().num_samples(k).max_plate_nesting(1).chunk_size(3);
    const auto log_weights =
        ppl::infer::iwae_log_weights([&] { local_model(x); }, [&] { guide(x); }, options);
    CHECK(log_weights.sizes() == torch::IntArrayRef({k, 6}));
    const auto bound = ppl::infer::iwae_bound(local_model, guide, options, x);
    REQUIRE(bound.sizes() == torch::IntArrayRef({6}));
    CHECK((bound - local_log_evidence(x)).abs().max().item<double>() < 1e-10);
  }
  // max_plate_nesting guessed from a trial run: the same shape.
  const auto guessed = ppl::infer::iwae_bound(local_model, guide, IWAEOptions().num_samples(4), x);
  CHECK(guessed.sizes() == torch::IntArrayRef({6}));
  CHECK((guessed - local_log_evidence(x)).abs().max().item<double>() < 1e-10);
}

TEST_CASE("iwae: K = 1 is Trace_ELBO's estimate with the same draws, and the ELBO on average") {
  const auto x = local_data(500, 104);
  auto guide = local_guide(0.3, 1.0);
  torch::Tensor bound;
  {
    ppl::handlers::SeedMessenger seed(4);
    bound = ppl::infer::iwae_bound(local_model, guide,
                                   IWAEOptions().num_samples(1).max_plate_nesting(1), x);
  }
  double loss;
  {
    ppl::handlers::SeedMessenger seed(4);
    loss = ppl::infer::Trace_ELBO().loss(local_model, guide, x);
  }
  CHECK(bound.sum().item<double>() == doctest::Approx(-loss).epsilon(1e-12));
  // Each row's K = 1 bound is a one-sample ELBO: unbiased for the closed form.
  const auto error = bound - local_elbo(x, 0.3, 1.0);
  const double mean = error.mean().item<double>();
  const double standard_error = error.std().item<double>() / std::sqrt(500.0);
  MESSAGE("K = 1 minus the exact ELBO, mean over 500 rows: " << mean << " +- " << standard_error);
  CHECK(std::abs(mean) < 4 * standard_error);
}

TEST_CASE("iwae: the bound grows with K towards log p(x)") {
  ppl::handlers::SeedMessenger seed(5);
  const auto x = local_data(200, 105);
  auto guide = local_guide(0.3, 1.0);
  const double log_p = local_log_evidence(x).mean().item<double>();
  double previous = -INFINITY;
  for (int64_t k : {1, 10, 100, 1000}) {
    const auto bound = ppl::infer::iwae_bound(local_model, guide,
                                              IWAEOptions().num_samples(k).max_plate_nesting(1), x);
    const double mean = bound.mean().item<double>();
    const double standard_error =
        (bound - local_log_evidence(x)).std().item<double>() / std::sqrt(200.0);
    MESSAGE("K = " << k << ": mean bound " << mean << " +- " << standard_error << ", log p(x) "
                   << log_p);
    CHECK(mean > previous);
    CHECK(mean < log_p + 4 * standard_error);  // a lower bound in expectation
    previous = mean;
  }
  CHECK(previous > log_p - 0.01);  // K = 1000: within 0.01 nats per row
}

TEST_CASE("iwae: the vectorized log weights equal a loop over samples with the same draws") {
  // 8 rows of 2 dims: 16 normal draws per sample, so K draws of 16 (torch fills normals in
  // blocks of 16) and one draw of 16 K give the same numbers.
  const auto x = local_data(8, 106);
  auto guide = local_guide(0.3, 1.0);
  const int64_t k = 5;
  torch::Tensor vectorized, chunked;
  for (auto [chunk_size, result] : {std::pair{0, &vectorized}, {2, &chunked}}) {
    ppl::handlers::SeedMessenger seed(6);
    *result = ppl::infer::iwae_log_weights(
        [&] { local_model(x); }, [&] { guide(x); },
        IWAEOptions().num_samples(k).max_plate_nesting(1).chunk_size(chunk_size));
  }
  std::vector<torch::Tensor> looped;
  {
    ppl::handlers::SeedMessenger seed(6);
    for (int64_t i = 0; i < k; ++i) {
      auto traces = ppl::infer::get_importance_traces([&] { local_model(x); }, [&] { guide(x); });
      looped.push_back(traces.model.at("z").log_prob + traces.model.at("x").log_prob -
                       traces.guide.at("z").log_prob);
    }
  }
  REQUIRE(vectorized.sizes() == torch::IntArrayRef({k, 8}));
  CHECK((vectorized - torch::stack(looped)).abs().max().item<double>() < 1e-10);
  CHECK((chunked - vectorized).abs().max().item<double>() < 1e-10);
}

TEST_CASE("iwae: a subsampled data point counts once, and all K samples share the subsample") {
  ppl::handlers::SeedMessenger seed(7);
  const auto x = local_data(20, 107);
  auto subsampled = [](bool is_model) {
    return [is_model](const torch::Tensor& x) {
      ppl::plate data("data", x.size(0), ppl::PlateOptions().subsample_size(8));
      const auto rows = x.index_select(0, data.indices());
      if (is_model) {
        auto z = ppl::sample("z", Normal(torch::zeros_like(rows), 1.0).to_event(1));
        ppl::sample("x", Normal(z, 1.0).to_event(1), rows);
      } else {
        ppl::sample("z", Normal(rows / 2, std::sqrt(0.5)).to_event(1));  // exact posterior
      }
    };
  };
  auto model = subsampled(true), guide = subsampled(false);
  const auto bound =
      ppl::infer::iwae_bound(model, guide, IWAEOptions().num_samples(10).max_plate_nesting(1), x);
  REQUIRE(bound.sizes() == torch::IntArrayRef({8}));
  // Each entry is log p(x_i) of one row, unscaled by 20 / 8, each row at most once.
  const auto log_p = local_log_evidence(x);
  std::vector<int64_t> matched;
  for (int64_t i = 0; i < 8; ++i) {
    const auto row = ((log_p - bound[i]).abs() < 1e-10).nonzero();
    CHECK(row.size(0) == 1);
    if (row.size(0) == 1) matched.push_back(row[0][0].item<int64_t>());
  }
  std::sort(matched.begin(), matched.end());
  CHECK(std::adjacent_find(matched.begin(), matched.end()) == matched.end());
}

TEST_CASE("iwae rejects bad options and batch dims outside every plate") {
  const auto x = local_data(4, 108);
  auto guide = local_guide(0.3, 1.0);
  CHECK_THROWS_WITH_AS(ppl::infer::iwae_bound(local_model, guide, IWAEOptions().num_samples(0), x),
                       "iwae: num_samples must be >= 1, got 0", std::invalid_argument);
  // z has a batch dim of 3 left of the particles' dim -2 (max_plate_nesting 1).
  auto wide_model = [](const torch::Tensor& x) {
    ppl::plate data("data", x.size(0));
    ppl::sample("z", Normal(torch::zeros({3, 1, x.size(0), 2}, x.options()), 1.0).to_event(1));
  };
  auto wide_guide = [](const torch::Tensor& x) {
    ppl::plate data("data", x.size(0));
    ppl::sample("z", Normal(torch::zeros({3, 1, x.size(0), 2}, x.options()), 1.0).to_event(1));
  };
  CHECK_THROWS_WITH_AS(
      ppl::infer::iwae_bound(wide_model, wide_guide,
                             IWAEOptions().num_samples(2).max_plate_nesting(1), x),
      doctest::Contains("iwae: the log weights have shape (3, 2, 4), with dims left of the "
                        "samples' dim -2"),
      std::runtime_error);
  CHECK(ppl::handler_stack().empty());
}

}  // namespace test_importance
