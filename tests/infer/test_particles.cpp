// Vectorized particles (ELBOOptions::vectorize_particles) against the sequential loop.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include "tests/support.h"

#include <array>

namespace test_particles {

using ppl::dist::Normal;
using ppl::infer::ELBOOptions;
namespace h = ppl::handlers;

namespace {

ELBOOptions vectorized(int64_t num_particles, int64_t max_plate_nesting = 1) {
  return ELBOOptions()
      .num_particles(num_particles)
      .max_plate_nesting(max_plate_nesting)
      .vectorize_particles(true);
}

torch::Tensor observations() {
  return torch::tensor({2.1, 3.4, 1.7, 2.9, 3.3, 2.2, 4.0, 2.6}, torch::kDouble);
}

/// A float64 scalar.
torch::Tensor real(double v) {
  return torch::full({}, v, torch::kDouble);
}

/// The guide's global latent: mu ~ N(loc, scale), loc and scale params.
torch::Tensor global_latent() {
  auto loc = ppl::param("loc", real(0.3));
  auto scale = ppl::param("scale", real(0.7), ppl::constraints::positive);
  return ppl::sample("mu", Normal(loc, scale));
}

/// The mean of the single-particle losses of the particles in the vectorized guide trace
/// `draws`: each particle's values (subsample indices shared) replayed into a sequential ELBO.
template <class Loss>
double mean_of_particle_losses(const ppl::infer::Program& model, const ppl::infer::Program& guide,
                               const ppl::Trace& draws, int64_t num_particles) {
  Loss single;
  double total = 0;
  for (int64_t k = 0; k < num_particles; ++k) {
    ppl::Trace particle;
    for (const ppl::Site& site : draws.sites()) {
      if (site.type == ppl::MessageType::param) continue;
      ppl::Message draw = site;
      if (site.is_sample()) draw.value = site.value[k];
      particle.add(draw);
    }
    total += single.loss(model, h::replay(guide, particle));
  }
  return total / static_cast<double>(num_particles);
}

struct Moments {
  double mean = 0, standard_error = 0;
};

Moments moments(const std::vector<double>& values) {
  const double n = static_cast<double>(values.size());
  double mean = 0, variance = 0;
  for (double v : values) mean += v / n;
  for (double v : values) variance += (v - mean) * (v - mean) / (n - 1);
  return {mean, std::sqrt(variance / n)};
}

}  // namespace

TEST_CASE_TEMPLATE("one vectorized pass is the mean of the single-particle losses of its draws",
                   Loss, ppl::infer::Trace_ELBO, ppl::infer::TraceMeanField_ELBO) {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const auto x = observations();
  const int64_t n = x.size(0), K = 7;
  // Written for one particle: data-shaped tensors broadcast against the particle dim (-2).
  auto model = [&] {
    auto mu = ppl::sample("mu", Normal(real(0), 1.0));
    ppl::plate data("data", n);
    auto z = ppl::sample("z", Normal(mu * torch::ones({n}, torch::kDouble), 1.0));
    ppl::sample("x", Normal(z, 0.5), x);
  };
  auto guide = [&] {
    global_latent();
    ppl::plate data("data", n);
    ppl::sample("z", Normal(ppl::param("z_loc", torch::zeros({n}, torch::kDouble)), 1.0));
  };
  Loss elbo(vectorized(K));
  std::vector<ppl::infer::TracePair> particles;
  double loss;
  {
    ppl::handlers::SeedMessenger seed(1);
    loss = elbo.differentiable_loss(model, guide, &particles).template item<double>();
  }
  REQUIRE(particles.size() == 1);  // one pass
  const ppl::Trace& draws = particles[0].guide;
  CHECK(draws.at("mu").value.sizes() == torch::IntArrayRef({K, 1}));
  CHECK(draws.at("z").value.sizes() == torch::IntArrayRef({K, n}));
  const ppl::Site& obs = particles[0].model.at("x");
  CHECK(obs.log_prob.sizes() == torch::IntArrayRef({K, n}));
  CHECK(obs.scale == 1.0);  // a full-size plate: the particles are not scaled
  REQUIRE(obs.cond_indep_stack.size() == 2);
  CHECK(obs.cond_indep_stack[0].name == ppl::infer::kParticlePlate);
  CHECK(obs.cond_indep_stack[0].dim == -2);
  const double sequential = mean_of_particle_losses<Loss>(model, guide, draws, K);
  MESSAGE("vectorized " << loss << ", mean of the particles' losses " << sequential);
  CHECK(loss == doctest::Approx(sequential).epsilon(1e-12));
}

TEST_CASE("a subsampled plate inside the particle plate shares its indices across particles") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const auto x = observations();
  const int64_t n = x.size(0), batch = 3, K = 5;
  auto model = [&] {
    auto mu = ppl::sample("mu", Normal(real(0), 1.0));
    ppl::plate data("data", n, ppl::PlateOptions().subsample_size(batch));
    ppl::sample("x", Normal(mu, 1.0), x.index_select(0, data.indices()));
  };
  auto guide = [&] {
    global_latent();
    ppl::plate data("data", n, ppl::PlateOptions().subsample_size(batch));
  };
  ppl::infer::Trace_ELBO elbo(vectorized(K));
  std::vector<ppl::infer::TracePair> particles;
  const double loss = elbo.differentiable_loss(model, guide, &particles).item<double>();
  const ppl::Trace& draws = particles[0].guide;
  CHECK(draws.at("data").value.sizes() == torch::IntArrayRef({batch}));
  const ppl::Site& obs = particles[0].model.at("x");
  CHECK(obs.log_prob.sizes() == torch::IntArrayRef({K, batch}));
  CHECK(obs.scale == doctest::Approx(static_cast<double>(n) / batch));
  CHECK(loss ==
        doctest::Approx(mean_of_particle_losses<ppl::infer::Trace_ELBO>(model, guide, draws, K))
            .epsilon(1e-12));
}

TEST_CASE("vectorized and sequential particles agree in expectation: loss and gradients") {
  // mu ~ N(0, 1), x_i ~ N(mu, 1); guide N(m, s). Closed forms of -ELBO and its gradient.
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const auto x = observations();
  const int64_t n_obs = x.size(0);
  const double n = static_cast<double>(n_obs), sum_x = x.sum().item<double>();
  const double sum_x2 = x.square().sum().item<double>(), m = 0.3, s = 0.7;
  auto model = [&] {
    auto mu = ppl::sample("mu", Normal(real(0), 1.0));
    ppl::plate data("data", n_obs);
    ppl::sample("x", Normal(mu, 1.0), x);
  };
  auto guide = [] { global_latent(); };
  const double log_2pi = std::log(2 * M_PI);
  const double exact_loss =
      (-0.5 * log_2pi - std::log(s) - 0.5) - (-0.5 * log_2pi - 0.5 * (m * m + s * s)) -
      (-0.5 * n * log_2pi - 0.5 * (sum_x2 - 2 * m * sum_x + n * (m * m + s * s)));
  const double exact_grad[2] = {m - (sum_x - n * m), ((1 + n) * s - 1 / s) * s};

  h::trace(guide).get_trace();  // create the params
  const std::vector<torch::Tensor> params = {store.unconstrained("loc"),
                                             store.unconstrained("scale")};
  const int64_t K = 10;
  const int repetitions = 200;
  ppl::infer::Trace_ELBO sequential_elbo(K), vectorized_elbo(vectorized(K));
  std::array<std::vector<double>, 3> sequential, batched;  // loss, d loc, d log scale
  h::SeedMessenger seed(7);
  for (int r = 0; r < repetitions; ++r) {
    for (auto [elbo, results] :
         {std::pair{&sequential_elbo, &sequential}, std::pair{&vectorized_elbo, &batched}}) {
      const torch::Tensor loss = elbo->differentiable_loss(model, guide);
      const auto grads = torch::autograd::grad({loss}, params);
      (*results)[0].push_back(loss.item<double>());
      (*results)[1].push_back(grads[0].item<double>());
      (*results)[2].push_back(grads[1].item<double>());
    }
  }
  // Tolerance: 4 Monte Carlo standard errors (of the mean of 200 repetitions of K = 10).
  const double exact[3] = {exact_loss, exact_grad[0], exact_grad[1]};
  const std::string labels[3] = {"loss", "d loc", "d log scale"};
  for (int i = 0; i < 3; ++i) {
    const Moments seq = moments(sequential[i]), vec = moments(batched[i]);
    MESSAGE(labels[i] << ": exact " << exact[i] << ", sequential " << seq.mean << " +- "
                      << seq.standard_error << ", vectorized " << vec.mean << " +- "
                      << vec.standard_error);
    CHECK(std::abs(vec.mean - exact[i]) < 4 * vec.standard_error);
    CHECK(std::abs(seq.mean - exact[i]) < 4 * seq.standard_error);
    CHECK(std::abs(vec.mean - seq.mean) < 4 * std::hypot(vec.standard_error, seq.standard_error));
    // Same estimator: the spreads agree too (a K-fold error in either would show).
    CHECK(vec.standard_error == doctest::Approx(seq.standard_error).epsilon(0.25));
  }
}

TEST_CASE("vectorized score-function terms stay within their particle and plate slice") {
  // z_i ~ Bernoulli(0.3), x_i ~ N(mus[z_i], 1) in plate "data"; guide z_i ~ Bernoulli(
  // sigmoid(theta_i)): only score-function gradients.
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const double prior = 0.3, mus[2] = {-2.0, 2.0};
  const auto x = torch::tensor({1.5, -0.5, 0.2}, torch::kDouble);
  const auto theta0 = torch::tensor({-1.0, 0.5, 0.0}, torch::kDouble);
  const int64_t n = x.size(0);
  auto model = [&] {
    ppl::plate data("data", n);
    auto z = ppl::sample("z", ppl::dist::Bernoulli(real(prior)));
    ppl::sample("x", Normal(mus[0] + z * (mus[1] - mus[0]), 1.0), x);
  };
  auto guide = [&] {
    auto theta = ppl::param("theta", theta0);
    ppl::plate data("data", n);
    ppl::sample("z", ppl::dist::Bernoulli::from_logits(theta));
  };
  h::trace(guide).get_trace();
  const auto theta = store.unconstrained("theta");
  const auto q1 = torch::sigmoid(theta0);

  // Exactly: the gradient is -(1/K) sum_k r_ki (z_ki - q1_i) with r_ki = log p(x_i, z_ki) -
  // log q(z_ki), each particle's and data point's own log-ratio.
  const int64_t K = 6;
  ppl::infer::Trace_ELBO elbo(vectorized(K));
  std::vector<ppl::infer::TracePair> particles;
  const auto grad =
      torch::autograd::grad({elbo.differentiable_loss(model, guide, &particles)}, {theta})[0];
  const auto& [model_trace, guide_trace] = particles[0];
  const auto log_ratio =
      model_trace.at("z").log_prob + model_trace.at("x").log_prob - guide_trace.at("z").log_prob;
  REQUIRE(log_ratio.sizes() == torch::IntArrayRef({K, n}));
  const auto z = guide_trace.at("z").value;
  const auto expected = -(log_ratio * (z - q1)).sum(0) / static_cast<double>(K);
  CHECK(torch::allclose(grad, expected, 1e-12, 1e-12));

  // In expectation: the enumerated gradient, within 4 standard errors of 200 passes of 20.
  std::vector<std::vector<double>> estimates(n);
  ppl::infer::Trace_ELBO many(vectorized(20));
  h::SeedMessenger seed(4);
  for (int r = 0; r < 200; ++r) {
    const auto g = torch::autograd::grad({many.differentiable_loss(model, guide)}, {theta})[0];
    for (int64_t i = 0; i < n; ++i) estimates[i].push_back(g[i].item<double>());
  }
  const double log_2pi = std::log(2 * M_PI);
  for (int64_t i = 0; i < n; ++i) {
    const double x_i = x[i].item<double>(), q = q1[i].item<double>();
    auto log_joint = [&](int value) {
      return std::log(value ? prior : 1 - prior) - 0.5 * log_2pi -
             0.5 * std::pow(x_i - mus[value], 2);
    };
    const double exact =
        -((log_joint(1) - std::log(q)) - (log_joint(0) - std::log(1 - q))) * q * (1 - q);
    const Moments estimate = moments(estimates[i]);
    MESSAGE("theta_" << i << ": " << estimate.mean << " +- " << estimate.standard_error
                     << ", exact " << exact);
    CHECK(std::abs(estimate.mean - exact) < 4 * estimate.standard_error);
  }
}

TEST_CASE("vectorized particles: clear errors for a missing or exceeded max_plate_nesting") {
  CHECK_THROWS_WITH_AS(
      ppl::infer::Trace_ELBO(ELBOOptions().num_particles(4).vectorize_particles(true)),
      doctest::Contains("vectorize_particles needs a finite max_plate_nesting"),
      std::invalid_argument);
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto latent_in_plate = [] {
    ppl::plate data("data", 3);
    ppl::sample("z", Normal(real(0), 1.0));
  };
  // One plate but max_plate_nesting 0: the particle plate takes dim -1, "data" dim -2.
  ppl::infer::Trace_ELBO too_shallow(vectorized(4, /*max_plate_nesting=*/0));
  CHECK_THROWS_WITH_AS(too_shallow.loss(latent_in_plate, latent_in_plate),
                       doctest::Contains("sample site 'z': plate stack overflow: its plates reach "
                                         "dim -2 but max_plate_nesting is 0 (plus 1 for the "
                                         "particle plate); increase max_plate_nesting to at "
                                         "least 1"),
                       std::runtime_error);
  // A batch dim left of the plates, where the particles go: it does not broadcast.
  auto extra_dim = [] {
    ppl::plate data("data", 3);
    ppl::sample("z", Normal(torch::zeros({2, 3}, torch::kDouble), 1.0));
  };
  ppl::infer::Trace_ELBO elbo(vectorized(4));
  CHECK_THROWS_WITH_AS(elbo.loss(extra_dim, extra_dim),
                       doctest::Contains("shape mismatch inside plate('num_particles_vectorized') "
                                         "at site 'z' dim -2: plate size 4"),
                       std::invalid_argument);
  CHECK(ppl::handler_stack().empty());
  CHECK_NOTHROW(elbo.loss(latent_in_plate, latent_in_plate));

  // A model that reads its latent as one vector (w.dot) fails inside the particle plate: the
  // error names the plate, its dim and the last site with its batch shape.
  auto unbroadcastable = [] {
    auto w = ppl::sample("w", Normal(torch::zeros({3}, torch::kDouble), 1.0).to_event(1));
    ppl::sample("y", Normal(w.dot(torch::ones({3}, torch::kDouble)), 1.0), real(0.5));
  };
  const std::string message =
      ppl::testing::what_of([&] { elbo.loss(unbroadcastable, unbroadcastable); });
  INFO(message);
  CHECK(ppl::testing::contains(
      message,
      "(the program ran vectorized by vectorize_particles: every site is inside plate "
      "'num_particles_vectorized' of size 4 at dim -2, left of the program's own "
      "plates; the last sample site, 'w', has batch shape (4, 1)"));
  CHECK(ppl::testing::contains(message, "guide failed after sample site 'w'"));
}

}  // namespace test_particles
