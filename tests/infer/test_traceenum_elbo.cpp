// TraceEnum_ELBO: exact marginal likelihoods and gradients against brute force and the forward
// algorithm; guide-side enumeration (parallel and sequential); score-function terms; errors.
#include "tests/enumeration_models.h"
#include "tests/support.h"

#include <doctest/doctest.h>
#include <ppl/ppl.h>

namespace test_traceenum_elbo {

using ppl::handlers::config_enumerate;
using ppl::infer::ELBOOptions;
using ppl::infer::TraceEnum_ELBO;
using ppl::testing::BranchingModel;
using ppl::testing::HiddenMarkovModel;

namespace {

void no_guide() {}

/// Checks that `a` and `b` (lists of gradients) agree within `tolerance`.
void check_close(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b,
                 double tolerance) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const double error = (a[i] - b[i]).abs().max().item<double>();
    INFO("gradient " << i << ": " << a[i] << " vs " << b[i]);
    CHECK(error < tolerance);
  }
}

}  // namespace

TEST_CASE("TraceEnum_ELBO sums out discrete sites in and out of plates exactly") {
  BranchingModel model;
  auto enumerated = config_enumerate(std::ref(model));
  TraceEnum_ELBO elbo(ELBOOptions().max_plate_nesting(1));
  const torch::Tensor loss = elbo.differentiable_loss(enumerated, no_guide);
  const torch::Tensor exact = model.log_marginal();
  MESSAGE("-loss " << -loss.item<double>() << ", brute force log p(x) " << exact.item<double>());
  CHECK(std::abs(-loss.item<double>() - exact.item<double>()) < 1e-8);
  check_close(torch::autograd::grad({loss}, model.parameters()),
              torch::autograd::grad({-exact}, model.parameters()), 1e-6);

  SUBCASE("guessing max_plate_nesting and vectorized particles give the same") {
    TraceEnum_ELBO guessed;
    CHECK(std::abs(guessed.loss(enumerated, no_guide) + exact.item<double>()) < 1e-8);
    TraceEnum_ELBO particles(
        ELBOOptions().max_plate_nesting(1).num_particles(3).vectorize_particles(true));
    CHECK(std::abs(particles.loss(enumerated, no_guide) + exact.item<double>()) < 1e-8);
  }
}

TEST_CASE("TraceEnum_ELBO with markov matches the forward algorithm on an HMM of length 50") {
  HiddenMarkovModel hmm;
  hmm.data = HiddenMarkovModel::simulate(hmm, 50, 7);
  auto enumerated = config_enumerate(std::ref(hmm));
  TraceEnum_ELBO elbo(ELBOOptions().max_plate_nesting(0));
  const torch::Tensor loss = elbo.differentiable_loss(enumerated, no_guide);
  const torch::Tensor exact = hmm.log_marginal();
  MESSAGE("-loss " << -loss.item<double>() << ", forward algorithm " << exact.item<double>());
  CHECK(std::abs(-loss.item<double>() - exact.item<double>()) < 1e-8);
  check_close(torch::autograd::grad({loss}, hmm.parameters()),
              torch::autograd::grad({-exact}, hmm.parameters()), 1e-6);

  // markov recycles the dims: two suffice, whatever the length.
  std::set<int64_t> dims;
  ppl::handlers::EnumMessenger enumerate(-1);
  auto trace = ppl::handlers::trace(enumerated).get_trace();
  for (const auto& site : trace.sites())
    if (auto dim = ppl::handlers::enumerate_dim_of(site)) dims.insert(*dim);
  CHECK(dims == std::set<int64_t>({-1, -2}));
}

TEST_CASE("TraceEnum_ELBO gives exact expectations over enumerated guide sites") {
  // z ~ Cat(prior); x ~ Normal(locs[z], 1); the guide enumerates z ~ Cat(q).
  const torch::Tensor prior = torch::tensor({0.2, 0.5, 0.3}, torch::kDouble);
  const torch::Tensor locs = torch::tensor({-1.0, 0.0, 2.0}, torch::kDouble).requires_grad_();
  const torch::Tensor q = torch::tensor({0.5, 0.2, 0.3}, torch::kDouble).requires_grad_();
  const torch::Tensor x = torch::tensor(1.2, torch::kDouble);
  auto model = [&] {
    auto z = ppl::sample("z", ppl::dist::Categorical(prior));
    ppl::sample("x", ppl::dist::Normal(locs.index({z}), 1.0), x);
  };
  // Exact: sum_z q(z) (log p(z) + log p(x | z) - log q(z)), with q normalized as Categorical does.
  const torch::Tensor qn = q / q.sum();
  const torch::Tensor exact =
      (qn * (prior.log() + ppl::testing::normal_log_density(x, locs, 1.0) - qn.log())).sum();
  const auto exact_grad = torch::autograd::grad({-exact}, {locs, q});
  for (std::string strategy : {"parallel", "sequential"}) {
    CAPTURE(strategy);
    auto guide = config_enumerate([&] { ppl::sample("z", ppl::dist::Categorical(q)); }, strategy);
    TraceEnum_ELBO elbo(ELBOOptions().max_plate_nesting(0));
    const torch::Tensor loss = elbo.differentiable_loss(model, guide);
    CHECK(std::abs(-loss.item<double>() - exact.item<double>()) < 1e-10);
    check_close(torch::autograd::grad({loss}, {locs, q}), exact_grad, 1e-8);
  }
}

TEST_CASE("TraceEnum_ELBO keeps score-function terms for sampled discrete guide sites") {
  // The guide samples w ~ Bernoulli(q) (not enumerated); the model enumerates k given w.
  // The average gradient over many estimates is the exact gradient of the ELBO.
  const torch::Tensor q = torch::tensor(0.35, torch::kDouble).requires_grad_();
  const torch::Tensor pk = torch::tensor({0.3, 0.7}, torch::kDouble);
  const torch::Tensor locs = torch::tensor({{-1.0, 1.0}, {0.5, 3.0}}, torch::kDouble);
  const torch::Tensor x = torch::tensor(0.8, torch::kDouble);
  auto model = [&] {
    auto w = ppl::sample("w", ppl::dist::Bernoulli(0.5));
    auto k = ppl::sample("k", ppl::dist::Categorical(pk), {},
                         ppl::InferDict{{"enumerate", std::string("parallel")}});
    ppl::sample("x", ppl::dist::Normal(locs.index({w.to(torch::kLong), k}), 1.0), x);
  };
  auto guide = [&] { ppl::sample("w", ppl::dist::Bernoulli(q)); };
  auto elbo_at = [&](const torch::Tensor& probability) {  // exact, w summed by hand
    torch::Tensor total = torch::zeros({}, torch::kDouble);
    for (int64_t w = 0; w < 2; ++w) {
      const torch::Tensor qw = w ? probability : 1 - probability;
      const torch::Tensor log_px =
          torch::logsumexp(pk.log() + ppl::testing::normal_log_density(x, locs[w], 1.0), 0);
      total = total + qw * (std::log(0.5) + log_px - qw.log());
    }
    return total;
  };
  const double exact = -torch::autograd::grad({elbo_at(q)}, {q})[0].item<double>();
  TraceEnum_ELBO elbo(ELBOOptions().max_plate_nesting(0));
  torch::manual_seed(3);
  const int n = 4000;
  std::vector<double> grads;
  for (int i = 0; i < n; ++i)
    grads.push_back(
        torch::autograd::grad({elbo.differentiable_loss(model, guide)}, {q})[0].item<double>());
  const torch::Tensor g = torch::tensor(grads, torch::kDouble);
  const double mean = g.mean().item<double>(), se = g.std().item<double>() / std::sqrt(n);
  MESSAGE("score-function gradient " << mean << " +- " << se << ", exact " << exact);
  CHECK(std::abs(mean - exact) < 4 * se);
  CHECK(se > 0);  // the estimate does vary: the term is there
}

TEST_CASE("TraceEnum_ELBO names the sites it cannot handle") {
  SUBCASE("dependents that cross plates which do not nest") {
    auto crossing = [] {
      torch::Tensor x, y;
      {
        ppl::plate a("a", 2, -1);
        x = ppl::sample("x", ppl::dist::Bernoulli(0.4 * torch::ones({2}, torch::kDouble)), {},
                        ppl::InferDict{{"enumerate", std::string("parallel")}});
      }
      {
        ppl::plate b("b", 3, -2);
        y = ppl::sample("y", ppl::dist::Bernoulli(0.6 * torch::ones({3, 1}, torch::kDouble)), {},
                        ppl::InferDict{{"enumerate", std::string("parallel")}});
      }
      ppl::plate a("a", 2, -1);
      ppl::plate b("b", 3, -2);
      ppl::sample("z", ppl::dist::Normal(x + y, 1.0), torch::zeros({3, 2}, torch::kDouble));
    };
    const std::string message = ppl::testing::what_of(
        [&] { TraceEnum_ELBO(ELBOOptions().max_plate_nesting(2)).loss(crossing, no_guide); });
    INFO(message);
    CHECK(ppl::testing::contains(message, "'x' in plates {a}"));
    CHECK(ppl::testing::contains(message, "'y' in plates {b}"));
  }
  SUBCASE("an enumeration dim on a plate's dim: the plate, its dim and the nesting that fits") {
    BranchingModel model;
    const std::string message = ppl::testing::what_of([&] {
      TraceEnum_ELBO(ELBOOptions().max_plate_nesting(0))
          .loss(config_enumerate(std::ref(model)), no_guide);
    });
    INFO(message);
    CHECK(ppl::testing::contains(
        message,
        "plate 'data' at dim -1 collides with parallel enumeration, which puts "
        "enumerated values at dim -1 and leftwards (max_plate_nesting 0); set "
        "max_plate_nesting to at least 1 (TraceEnum_ELBO, MCMC)"));
  }
  SUBCASE("a site marked for enumeration without a finite support") {
    auto model = [] {
      ppl::sample("z", ppl::dist::Normal(0.0, 1.0), {},
                  ppl::InferDict{{"enumerate", std::string("parallel")}});
    };
    const std::string message = ppl::testing::what_of(
        [&] { TraceEnum_ELBO(ELBOOptions().max_plate_nesting(0)).loss(model, no_guide); });
    CHECK(ppl::testing::contains(message, "sample site 'z' is marked for parallel enumeration"));
  }
  SUBCASE("a bad strategy") {
    CHECK(ppl::testing::contains(ppl::testing::what_of([] { config_enumerate(no_guide, "flat"); }),
                                 "\"parallel\" or \"sequential\", got \"flat\""));
  }
}

TEST_CASE("a site marked for enumeration under an inference that does not enumerate is an error") {
  // The guide covers the continuous site only; "z" is left to enumeration.
  auto model = [](const torch::Tensor& x) {
    auto mu = ppl::sample("mu", ppl::dist::Normal(torch::zeros({}, torch::kDouble), 1.0));
    auto z = ppl::sample("z", ppl::dist::Bernoulli(torch::full({}, 0.3, torch::kDouble)), {},
                         ppl::InferDict{{"enumerate", std::string("parallel")}});
    ppl::sample("x", ppl::dist::Normal(mu + z, 1.0), x);
  };
  auto guide = [](const torch::Tensor&) {
    ppl::sample("mu", ppl::dist::Normal(torch::zeros({}, torch::kDouble), 1.0));
  };
  const auto x = torch::full({}, 0.5, torch::kDouble);
  for (const std::string inference : {"Trace_ELBO", "TraceMeanField_ELBO", "Importance"}) {
    CAPTURE(inference);
    const std::string message = ppl::testing::what_of([&] {
      if (inference == "Trace_ELBO") ppl::infer::Trace_ELBO().loss(model, guide, x);
      if (inference == "TraceMeanField_ELBO")
        ppl::infer::TraceMeanField_ELBO().loss(model, guide, x);
      if (inference == "Importance") ppl::infer::Importance(model, guide, 2).run(x);
    });
    CHECK(ppl::testing::contains(message,
                                 "sample site 'z' is marked for enumeration (\"parallel\") "
                                 "but was not enumerated"));
    CHECK(ppl::testing::contains(message, "use TraceEnum_ELBO"));
  }
  // TraceEnum_ELBO sums it out.
  CHECK(std::isfinite(TraceEnum_ELBO(ELBOOptions().max_plate_nesting(0)).loss(model, guide, x)));
  // A prior proposal for Importance draws every latent, "z" included: no error.
  CHECK_NOTHROW(ppl::infer::Importance(model, 2).run(x));
}

}  // namespace test_traceenum_elbo
