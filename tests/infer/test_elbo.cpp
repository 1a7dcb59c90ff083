// Trace_ELBO: value, pathwise gradients, score-function gradients, site matching.
#include <doctest/doctest.h>
#include <ppl/infer/trace_elbo.h>
#include <ppl/ppl.h>

namespace test_elbo {

using ppl::dist::Normal;
namespace c = ppl::constraints;

namespace {

const double kLog2Pi = std::log(2 * M_PI);

torch::Tensor conjugate_data() {
  return torch::tensor({2.1, 3.4, 1.7, 2.9, 3.3, 2.2, 4.0, 2.6, 3.1, 2.8,
                        1.9, 3.6, 2.4, 3.0, 2.7, 3.8, 2.0, 3.2, 2.5, 3.5},
                       torch::kDouble);
}

/// mu ~ N(0, 1); x_i ~ N(mu, 1) for 20 observations.
void conjugate_model(const torch::Tensor& x) {
  auto mu = ppl::sample("mu", Normal(torch::zeros({}, x.options()), 1.0));
  ppl::plate data("data", x.size(0));
  ppl::sample("x", Normal(mu, 1.0), x);
}

void conjugate_guide(const torch::Tensor& x) {
  auto loc = ppl::param("loc", torch::tensor(0.3, x.options()));
  auto scale = ppl::param("scale", torch::tensor(0.7, x.options()), c::positive);
  ppl::sample("mu", Normal(loc, scale));
}

/// The gradient of a scalar with respect to the given tensors.
std::vector<torch::Tensor> grad_of(const torch::Tensor& y, const std::vector<torch::Tensor>& xs) {
  return torch::autograd::grad({y}, xs);
}

}  // namespace

TEST_CASE("Trace_ELBO loss is log q - log p of the drawn latent, averaged over particles") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto x = conjugate_data();
  auto model = [&] { conjugate_model(x); };
  auto guide = [&] { conjugate_guide(x); };
  ppl::infer::Trace_ELBO elbo;
  double loss;
  {
    ppl::handlers::SeedMessenger seed(5);
    loss = elbo.loss(model, guide);
  }
  torch::Tensor z;
  {
    ppl::handlers::SeedMessenger seed(5);
    z = ppl::handlers::trace(guide).get_trace().at("mu").value;
  }
  const double mu = z.item<double>();
  double log_p = -0.5 * kLog2Pi - 0.5 * mu * mu;
  for (int64_t i = 0; i < x.size(0); ++i)
    log_p += -0.5 * kLog2Pi - 0.5 * std::pow(x[i].item<double>() - mu, 2);
  const double log_q = -0.5 * kLog2Pi - std::log(0.7) - 0.5 * std::pow((mu - 0.3) / 0.7, 2);
  CHECK(loss == doctest::Approx(log_q - log_p).epsilon(1e-12));
}

TEST_CASE("the float64 ELBO gradient matches the analytic gradient") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto x = conjugate_data();
  const double n = static_cast<double>(x.size(0)), sum_x = x.sum().item<double>();
  auto model = [&] { conjugate_model(x); };
  auto guide = [&] { conjugate_guide(x); };
  ppl::infer::Trace_ELBO elbo;
  ppl::handlers::trace(guide).get_trace();  // create the params
  auto loc = store.unconstrained("loc"), log_scale = store.unconstrained("scale");
  const double m = 0.3, s = 0.7;

  // One sample: the pathwise gradient for the drawn eps, exactly.
  torch::Tensor loss;
  {
    ppl::handlers::SeedMessenger seed(11);
    loss = elbo.differentiable_loss(model, guide);
  }
  double z;
  {
    ppl::handlers::SeedMessenger seed(11);
    z = ppl::handlers::trace(guide).get_trace().at("mu").value.item<double>();
  }
  const double eps = (z - m) / s;
  const double dlogp_dz = -z + (sum_x - n * z);
  auto grads = grad_of(loss, {loc, log_scale});
  const double expected_dloc = -dlogp_dz;
  const double expected_dscale = -(dlogp_dz * eps + 1 / s);  // d loss / d scale
  const double error_loc = std::abs(grads[0].item<double>() - expected_dloc);
  const double error_scale = std::abs(
      grads[1].item<double>() - expected_dscale * s);  // chain rule: d scale / d log scale = s
  MESSAGE("single-sample gradient error: loc " << error_loc << ", log scale " << error_scale);
  CHECK(error_loc < 1e-10);
  CHECK(error_scale < 1e-10);

  // Many particles: the expectation, d(-ELBO)/dm = m - (sum_x - n m), d(-ELBO)/ds = (1 + n) s -
  // 1/s.
  ppl::infer::Trace_ELBO many(20000);
  torch::Tensor averaged;
  {
    ppl::handlers::SeedMessenger seed(12);
    averaged = many.differentiable_loss(model, guide);
  }
  auto mean_grads = grad_of(averaged, {loc, log_scale});
  const double exact_dloc = m - (sum_x - n * m);
  const double exact_dlog_scale = ((1 + n) * s - 1 / s) * s;
  // Monte Carlo standard errors: sd of the per-sample gradients / sqrt(K).
  const double se_loc = (1 + n) * s / std::sqrt(20000.0);
  const double se_scale =
      std::sqrt(std::pow((sum_x - (1 + n) * m) * s, 2) + 2 * std::pow((1 + n) * s * s, 2)) /
      std::sqrt(20000.0);
  MESSAGE("expected gradient: loc " << mean_grads[0].item<double>() << " vs " << exact_dloc
                                    << ", log scale " << mean_grads[1].item<double>() << " vs "
                                    << exact_dlog_scale);
  CHECK(std::abs(mean_grads[0].item<double>() - exact_dloc) < 3 * se_loc);
  CHECK(std::abs(mean_grads[1].item<double>() - exact_dlog_scale) < 3 * se_scale);
}

TEST_CASE("score-function gradients for a discrete latent match enumeration") {
  // Model: z ~ Bernoulli(0.3), x ~ N(mu[z], 1) observed. Guide: z ~ Bernoulli(sigmoid(theta)).
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const double prior = 0.3, mus[2] = {-2.0, 2.0}, x_obs = 1.5, theta0 = -1.0;
  auto x = torch::tensor(x_obs, torch::kDouble);
  auto model = [&] {
    auto z = ppl::sample("z", ppl::dist::Bernoulli(torch::tensor(prior, torch::kDouble)));
    auto loc = torch::tensor(mus[0], torch::kDouble) + z * (mus[1] - mus[0]);
    ppl::sample("x", Normal(loc, 1.0), x);
  };
  auto guide = [&] {
    auto theta = ppl::param("theta", torch::tensor(theta0, torch::kDouble));
    ppl::sample("z", ppl::dist::Bernoulli::from_logits(theta));
  };
  // Exact gradient of -ELBO by enumerating z.
  const double q1 = 1 / (1 + std::exp(-theta0)), q0 = 1 - q1;
  auto log_joint = [&](int z) {
    return std::log(z ? prior : 1 - prior) - 0.5 * kLog2Pi - 0.5 * std::pow(x_obs - mus[z], 2);
  };
  const double delbo_dq1 = (log_joint(1) - std::log(q1)) - (log_joint(0) - std::log(q0));
  const double exact = -delbo_dq1 * q1 * q0;

  ppl::infer::Trace_ELBO elbo;
  ppl::handlers::trace(guide).get_trace();
  auto theta = store.unconstrained("theta");
  ppl::handlers::SeedMessenger seed(3);
  const int K = 4000;
  std::vector<double> estimates;
  for (int k = 0; k < K; ++k)
    estimates.push_back(grad_of(elbo.differentiable_loss(model, guide), {theta})[0].item<double>());
  double mean = 0, var = 0;
  for (double e : estimates) mean += e / K;
  for (double e : estimates) var += (e - mean) * (e - mean) / (K - 1);
  const double se = std::sqrt(var / K);
  MESSAGE("score-function gradient: mean " << mean << " +- " << se << ", exact " << exact);
  CHECK(std::abs(exact) > 10 * se);  // a zero estimator (no score term) cannot pass the next check
  CHECK(std::abs(mean - exact) < 3 * se);
}

TEST_CASE("model and guide sites must match") {
  auto x = conjugate_data();
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::infer::Trace_ELBO elbo;
  auto model = [&] { conjugate_model(x); };
  auto guide = [&] { conjugate_guide(x); };
  auto guide_with_extra = [&] {
    conjugate_guide(x);
    ppl::sample("extra", Normal(torch::zeros({}, torch::kDouble), 1.0));
  };
  CHECK_THROWS_WITH_AS(elbo.loss(model, guide_with_extra),
                       doctest::Contains("'extra' is a latent of the guide but not in the model"),
                       std::runtime_error);
  auto empty_guide = [] {};
  CHECK_THROWS_WITH_AS(elbo.loss(model, empty_guide),
                       doctest::Contains("'mu' is a latent of the model but not in the guide"),
                       std::runtime_error);
  auto event_guide = [&] {
    ppl::sample("mu", Normal(torch::zeros({1}, torch::kDouble), 1.0).to_event(1));
  };
  CHECK_THROWS_WITH_AS(elbo.loss(model, event_guide),
                       doctest::Contains("'mu': guide event_dim 1 but model event_dim 0"),
                       std::runtime_error);
  auto wide_guide = [&] { ppl::sample("mu", Normal(torch::zeros({3}, torch::kDouble), 1.0)); };
  auto wide_model = [&] { ppl::sample("mu", Normal(torch::zeros({2}, torch::kDouble), 1.0)); };
  CHECK_THROWS_WITH_AS(elbo.loss(wide_model, wide_guide),
                       doctest::Contains("guide shape (3) but model shape (2)"),
                       std::runtime_error);
  CHECK(ppl::handler_stack().empty());
  CHECK_NOTHROW(elbo.loss(model, guide));
}

TEST_CASE("a subsampled ELBO is an unbiased estimate of the full-data ELBO") {
  const auto x = conjugate_data();
  const int64_t n = x.size(0), subsample = 5;
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::handlers::SeedMessenger seed(11);
  torch::Tensor indices;  // the last subsample the model saw
  auto subsampled_model = [&] {
    auto mu = ppl::sample("mu", Normal(torch::zeros({}, x.options()), 1.0));
    ppl::plate data("data", n, ppl::PlateOptions().subsample_size(subsample));
    indices = data.indices();
    ppl::sample("x", Normal(mu, 1.0), x.index_select(0, indices));
  };
  auto subsampled_guide = [&] {
    conjugate_guide(x);
    ppl::plate data("data", n, ppl::PlateOptions().subsample_size(subsample));
  };
  ppl::infer::Trace_ELBO elbo;

  // Each estimate is log p(mu) - log q(mu) + (n / subsample) * sum over the subsample: check
  // that exactly for one draw.
  elbo.loss(subsampled_model, subsampled_guide);
  const double m = 0.3, s = 0.7;
  auto traces =
      ppl::infer::get_importance_traces([&] { subsampled_model(); }, [&] { subsampled_guide(); });
  const double mu = traces.guide.at("mu").value.item<double>();
  const auto picked = x.index_select(0, indices);
  const double expected =
      -0.5 * mu * mu - 0.5 * kLog2Pi -
      (-0.5 * std::pow((mu - m) / s, 2) - std::log(s) - 0.5 * kLog2Pi) +
      double(n) / subsample *
          (-0.5 * (picked - mu).square().sum().item<double>() - subsample * 0.5 * kLog2Pi);
  const double estimate =
      (traces.model.log_prob_sum() - traces.guide.log_prob_sum()).item<double>();
  CHECK(estimate == doctest::Approx(expected).epsilon(1e-12));

  // The exact full-data ELBO for q = N(m, s): E[log p(mu)] + sum_i E[log p(x_i | mu)] + H[q].
  const double full_elbo = -0.5 * (m * m + s * s) - 0.5 * kLog2Pi -
                           0.5 * ((x - m).square().sum().item<double>() + n * s * s) -
                           n * 0.5 * kLog2Pi + 0.5 + 0.5 * kLog2Pi + std::log(s);
  const int draws = 4000;
  std::vector<double> losses;
  for (int i = 0; i < draws; ++i) losses.push_back(elbo.loss(subsampled_model, subsampled_guide));
  const auto values = torch::tensor(losses, torch::kDouble);
  const double mean = values.mean().item<double>();
  const double standard_error = values.std().item<double>() / std::sqrt(double(draws));
  MESSAGE("subsampled -ELBO mean " << mean << " +- " << standard_error << ", full-data -ELBO "
                                   << -full_elbo);
  CHECK(std::abs(mean + full_elbo) < 4 * standard_error);
}

}  // namespace test_elbo
