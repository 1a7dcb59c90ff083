// TraceMeanField_ELBO: analytic KL terms, the Monte Carlo fallback, scale and mask, particles,
// gradients, and its expectation and variance against Trace_ELBO's.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include <cmath>

namespace test_mean_field_elbo {

using ppl::dist::Normal;
namespace c = ppl::constraints;

namespace {

const double kLog2Pi = std::log(2 * M_PI);

torch::Tensor scalar(double value) {
  return torch::tensor(value, torch::kDouble);
}

torch::Tensor conjugate_data() {
  return torch::tensor({2.1, 3.4, 1.7, 2.9, 3.3, 2.2, 4.0, 2.6, 3.1, 2.8,
                        1.9, 3.6, 2.4, 3.0, 2.7, 3.8, 2.0, 3.2, 2.5, 3.5},
                       torch::kDouble);
}

/// mu ~ N(0, 1); x_i ~ N(mu, noise).
void conjugate_model(const torch::Tensor& x, double noise) {
  auto mu = ppl::sample("mu", Normal(torch::zeros({}, x.options()), 1.0));
  ppl::plate data("data", x.size(0));
  ppl::sample("x", Normal(mu, noise), x);
}

/// mu ~ N(loc, scale), the parameters starting at `loc` and `scale`.
void conjugate_guide(double loc, double scale) {
  ppl::sample("mu", Normal(ppl::param("loc", scalar(loc)),
                           ppl::param("scale", scalar(scale), c::positive)));
}

/// KL(N(m, s) || N(0, 1)).
double standard_normal_kl(double m, double s) {
  return 0.5 * (s * s + m * m - 1) - std::log(s);
}

/// -ELBO of the conjugate model for the guide N(m, s), in closed form.
double exact_conjugate_loss(const torch::Tensor& x, double noise, double m, double s) {
  double expected_log_likelihood = 0;
  for (int64_t i = 0; i < x.size(0); ++i) {
    const double d = x[i].item<double>() - m;
    expected_log_likelihood +=
        -0.5 * kLog2Pi - std::log(noise) - (d * d + s * s) / (2 * noise * noise);
  }
  return standard_normal_kl(m, s) - expected_log_likelihood;
}

struct LossStatistics {
  double mean = 0, variance = 0, standard_error = 0;
};

/// Mean, variance and standard error of `n` losses drawn under seed `seed`.
LossStatistics loss_statistics(ppl::infer::ELBO& elbo, const ppl::infer::Program& model,
                               const ppl::infer::Program& guide, int n, uint64_t seed) {
  ppl::handlers::SeedMessenger seeded(seed);
  std::vector<double> losses;
  for (int i = 0; i < n; ++i) losses.push_back(elbo.loss(model, guide));
  LossStatistics stats;
  for (double loss : losses) stats.mean += loss / n;
  for (double loss : losses) stats.variance += (loss - stats.mean) * (loss - stats.mean) / (n - 1);
  stats.standard_error = std::sqrt(stats.variance / n);
  return stats;
}

}  // namespace

TEST_CASE("the mean-field loss has Trace_ELBO's expectation, with less variance here") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const auto x = conjugate_data();
  const double m = 2.0, s = 0.3;
  auto guide = [&] { conjugate_guide(m, s); };
  ppl::infer::TraceMeanField_ELBO mean_field;
  ppl::infer::Trace_ELBO trace;
  // 4000 losses of each (float64); means compared within 4 standard errors. With noisy
  // observations (noise 10) the guide's log q - log p dominates Trace_ELBO's variance and the
  // KL removes it (variance 0.0026 against 0.61). With informative ones (noise 1) the
  // likelihood's noise dominates, which log q - log p partly cancels, and the mean-field
  // variance is higher (26 against 19): not asserted either way.
  for (double noise : {1.0, 10.0}) {
    auto model = [&] { conjugate_model(x, noise); };
    const auto mf = loss_statistics(mean_field, model, guide, 4000, 1);
    const auto tr = loss_statistics(trace, model, guide, 4000, 2);
    const double exact = exact_conjugate_loss(x, noise, m, s);
    MESSAGE("noise " << noise << ": exact " << exact << "; mean-field " << mf.mean << " +- "
                     << mf.standard_error << " (variance " << mf.variance << "); Trace_ELBO "
                     << tr.mean << " +- " << tr.standard_error << " (variance " << tr.variance
                     << ")");
    CHECK(std::abs(mf.mean - exact) < 4 * mf.standard_error);
    CHECK(std::abs(tr.mean - exact) < 4 * tr.standard_error);
    CHECK(std::abs(mf.mean - tr.mean) < 4 * std::hypot(mf.standard_error, tr.standard_error));
    if (noise == 10.0) CHECK(mf.variance < tr.variance / 20);
  }
}

TEST_CASE("a latent with a registered KL contributes exactly -KL, scaled and masked") {
  const auto loc = torch::tensor({0.5, -1.0, 2.0}, torch::kDouble);
  const auto scale = torch::tensor({0.5, 1.5, 0.8}, torch::kDouble);
  const auto mask = torch::tensor({true, false, true});
  auto in_scaled_masked_plate = [&](const auto& body) {
    ppl::handlers::ScaleMessenger scaled(2.0);
    ppl::handlers::MaskMessenger masked(mask);
    ppl::plate p("p", 3);
    body();
  };
  auto model = [&] {
    in_scaled_masked_plate(
        [] { ppl::sample("z", Normal(torch::zeros({3}, torch::kDouble), 1.0)); });
  };
  auto guide = [&] { in_scaled_masked_plate([&] { ppl::sample("z", Normal(loc, scale)); }); };
  const double expected =
      2.0 * (standard_normal_kl(0.5, 0.5) + standard_normal_kl(2.0, 0.8));  // z[1] masked out
  ppl::handlers::SeedMessenger seed(0);
  CHECK(ppl::infer::TraceMeanField_ELBO().loss(model, guide) ==
        doctest::Approx(expected).epsilon(1e-12));
  CHECK(ppl::infer::TraceMeanField_ELBO(3).loss(model, guide) ==
        doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("a latent without a registered KL falls back to Trace_ELBO's log p - log q") {
  // mu has a Normal-Normal KL; u's guide is a Gumbel against a Normal prior: no KL.
  const auto x = scalar(1.2);
  auto model = [&] {
    auto mu = ppl::sample("mu", Normal(scalar(0.0), 1.0));
    auto u = ppl::sample("u", Normal(scalar(0.0), 2.0));
    ppl::sample("x", Normal(mu + u, 1.0), x);
  };
  auto guide = [&] {
    ppl::sample("mu", Normal(scalar(0.5), 0.8));
    ppl::sample("u", ppl::dist::Gumbel(scalar(-1.0), 0.5));
  };
  for (uint64_t seed : {1, 2, 3}) {
    double mean_field, trace, mu;
    {
      ppl::handlers::SeedMessenger seeded(seed);
      mean_field = ppl::infer::TraceMeanField_ELBO().loss(model, guide);
    }
    {
      ppl::handlers::SeedMessenger seeded(seed);
      trace = ppl::infer::Trace_ELBO().loss(model, guide);
    }
    {
      ppl::handlers::SeedMessenger seeded(seed);
      mu = ppl::handlers::trace(guide).get_trace().at("mu").value.item<double>();
    }
    // The two losses differ only in mu's term: KL for one, log q(mu) - log p(mu) for the other.
    const double log_q = -0.5 * kLog2Pi - std::log(0.8) - 0.5 * std::pow((mu - 0.5) / 0.8, 2);
    const double log_p = -0.5 * kLog2Pi - 0.5 * mu * mu;
    const double kl = std::log(1 / 0.8) + (0.64 + 0.25) / 2 - 0.5;
    CHECK(mean_field - trace == doctest::Approx(kl - (log_q - log_p)).epsilon(1e-10));
  }
}

TEST_CASE("num_particles averages independent particles") {
  const auto x = conjugate_data();
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto model = [&] { conjugate_model(x, 1.0); };
  auto guide = [&] { conjugate_guide(0.3, 0.7); };
  double one_then_another = 0, two_particles;
  {
    ppl::handlers::SeedMessenger seed(7);
    ppl::infer::TraceMeanField_ELBO single;
    one_then_another = (single.loss(model, guide) + single.loss(model, guide)) / 2;
  }
  {
    ppl::handlers::SeedMessenger seed(7);
    two_particles = ppl::infer::TraceMeanField_ELBO(2).loss(model, guide);
  }
  CHECK(two_particles == doctest::Approx(one_then_another).epsilon(1e-12));
}

TEST_CASE("the gradient of the mean-field loss is the KL's gradient when only the KL remains") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const double m = 0.3, s = 0.7;
  auto model = [] { ppl::sample("mu", Normal(scalar(0.0), 1.0)); };
  auto guide = [&] { conjugate_guide(m, s); };
  ppl::handlers::trace(guide).get_trace();  // create the params
  auto loc = store.unconstrained("loc"), log_scale = store.unconstrained("scale");
  const auto loss = ppl::infer::TraceMeanField_ELBO().differentiable_loss(model, guide);
  CHECK(loss.item<double>() == doctest::Approx(standard_normal_kl(m, s)).epsilon(1e-12));
  const auto grads = torch::autograd::grad({loss}, {loc, log_scale});
  CHECK(grads[0].item<double>() == doctest::Approx(m).epsilon(1e-12));          // d KL / d m
  CHECK(grads[1].item<double>() == doctest::Approx(s * s - 1).epsilon(1e-12));  // d KL / d log s
}

TEST_CASE("differentiable_loss needs a reparameterizable guide; loss takes any guide") {
  auto model = [] { ppl::sample("z", ppl::dist::Bernoulli(scalar(0.3))); };
  auto guide = [] { ppl::sample("z", ppl::dist::Bernoulli(scalar(0.6))); };
  ppl::infer::TraceMeanField_ELBO elbo;
  CHECK_THROWS_WITH_AS(elbo.differentiable_loss(model, guide),
                       doctest::Contains("sample site 'z': the guide's Bernoulli is not "
                                         "reparameterizable"),
                       std::runtime_error);
  const double kl = 0.6 * std::log(0.6 / 0.3) + 0.4 * std::log(0.4 / 0.7);
  CHECK(elbo.loss(model, guide) == doctest::Approx(kl).epsilon(1e-12));
}

}  // namespace test_mean_field_elbo
