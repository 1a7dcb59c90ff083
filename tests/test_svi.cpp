// SVI: fitting a conjugate model (Trace_ELBO, TraceMeanField_ELBO), evaluate_loss, lazy params.
#include <doctest/doctest.h>
#include <ppl/infer/svi.h>
#include <ppl/infer/trace_elbo.h>
#include <ppl/infer/trace_mean_field_elbo.h>
#include <ppl/optim/optim.h>
#include <ppl/ppl.h>

using ppl::dist::Normal;

namespace {

/// mu ~ N(0, 1); x_i ~ N(mu, 1), i = 1..20.
void model(const torch::Tensor& x) {
  auto mu = ppl::sample("mu", Normal(torch::zeros({}, x.options()), 1.0));
  ppl::plate data("data", x.size(0));
  ppl::sample("x", Normal(mu, 1.0), x);
}

void guide(const torch::Tensor& x) {
  auto loc = ppl::param("loc", torch::zeros({}, x.options()));
  auto scale = ppl::param("scale", torch::ones({}, x.options()), ppl::constraints::positive);
  ppl::sample("mu", Normal(loc, scale));
}

}  // namespace

TEST_CASE_TEMPLATE("SVI fits the exact posterior of a conjugate Normal model", Loss,
                   ppl::infer::Trace_ELBO, ppl::infer::TraceMeanField_ELBO) {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::handlers::SeedMessenger seed(0);
  auto x = 3.0 + torch::randn({20}, torch::kDouble);
  const double n = 20, posterior_mean = x.sum().item<double>() / (n + 1);
  const double posterior_sd = std::sqrt(1 / (n + 1));

  // 3000 steps of ClippedAdam, lr 0.02 decaying by 0.999 per step (to 1e-3), then the last
  // 500 iterates averaged.
  ppl::infer::SVI svi(model, guide,
                      ppl::optim::ClippedAdam(ppl::optim::ClippedAdamOptions(0.02).lrd(0.999)),
                      Loss());
  double loc_sum = 0, scale_sum = 0;
  const int steps = 3000, averaged = 500;
  for (int i = 0; i < steps; ++i) {
    svi.step(x);
    if (i >= steps - averaged) {
      loc_sum += store.get("loc").item<double>();
      scale_sum += store.get("scale").item<double>();
    }
  }
  const double fitted_mean = loc_sum / averaged, fitted_sd = scale_sum / averaged;
  MESSAGE("posterior mean exact " << posterior_mean << " fitted " << fitted_mean << "; sd exact "
                                  << posterior_sd << " fitted " << fitted_sd);
  CHECK(std::abs(fitted_mean - posterior_mean) < 0.02 * std::abs(posterior_mean));
  CHECK(std::abs(fitted_sd - posterior_sd) < 0.05 * posterior_sd);
}

TEST_CASE("evaluate_loss changes no parameter and no gradient") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto x = torch::randn({20}, torch::kDouble);
  ppl::infer::SVI svi(model, guide, ppl::optim::Adam(0.1), ppl::infer::Trace_ELBO());
  svi.step(x);
  // Leave a nonzero gradient behind to see that evaluate_loss keeps it too.
  store.unconstrained("loc").mutable_grad() = torch::full({}, 0.25, torch::kDouble);
  std::map<std::string, torch::Tensor> before;
  for (const auto& [name, value] : store.named_parameters()) before[name] = value.detach().clone();
  const double loss = svi.evaluate_loss(x);
  CHECK(std::isfinite(loss));
  for (const auto& [name, value] : store.named_parameters())
    CHECK(torch::equal(value, before[name]));
  CHECK(store.unconstrained("loc").grad().item<double>() == 0.25);
  const auto scale_grad = store.unconstrained("scale").grad();
  CHECK(scale_grad.item<double>() == 0.0);  // zeroed by the step, not touched since
}

TEST_CASE("step updates exactly the parameters seen and zeroes their gradients") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto x = torch::randn({20}, torch::kDouble);
  int step_number = 0;
  // "late" is first used at step 100; "unused" is in the store but never seen by SVI.
  store.set("unused", torch::ones({}, torch::kDouble));
  auto late_model = [&](const torch::Tensor& data) {
    model(data);
    if (step_number >= 100) {
      auto late = ppl::param("late", torch::zeros({}, torch::kDouble));
      ppl::factor("late_penalty", -(late - 5.0).square());
    }
  };
  ppl::infer::SVI svi(late_model, guide, ppl::optim::Adam(0.1), ppl::infer::Trace_ELBO());
  for (; step_number < 100; ++step_number) svi.step(x);
  CHECK_FALSE(store.contains("late"));
  CHECK_FALSE(svi.optimizer().contains("unused"));
  for (; step_number < 150; ++step_number) svi.step(x);
  REQUIRE(store.contains("late"));
  CHECK(svi.optimizer().contains("late"));
  CHECK(store.get("late").item<double>() > 2.0);  // on its way from 0 to the factor's peak at 5
  CHECK(store.get("unused").item<double>() == 1.0);
  CHECK(store.unconstrained("loc").grad().abs().item<double>() == 0.0);
}
