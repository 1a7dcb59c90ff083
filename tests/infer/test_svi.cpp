// SVI: fitting a conjugate model (Trace_ELBO, TraceMeanField_ELBO, vectorized particles),
// evaluate_loss, lazy params.
#include <doctest/doctest.h>
#include <ppl/infer/svi.h>
#include <ppl/infer/trace_elbo.h>
#include <ppl/infer/trace_mean_field_elbo.h>
#include <ppl/optim/optim.h>
#include <ppl/ppl.h>

#include <ATen/CPUGeneratorImpl.h>

#include <map>
#include <thread>

namespace test_svi {

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

/// `Base` with 10 particles drawn in one vectorized pass (one plate: max_plate_nesting 1).
template <class Base>
struct Vectorized : Base {
  Vectorized()
      : Base(ppl::infer::ELBOOptions().num_particles(10).max_plate_nesting(1).vectorize_particles(
            true)) {}
};

}  // namespace

TEST_CASE_TEMPLATE("SVI fits the exact posterior of a conjugate Normal model", Loss,
                   ppl::infer::Trace_ELBO, ppl::infer::TraceMeanField_ELBO,
                   Vectorized<ppl::infer::Trace_ELBO>,
                   Vectorized<ppl::infer::TraceMeanField_ELBO>) {
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

namespace {

/// The store's parameters, copied.
std::map<std::string, torch::Tensor> snapshot(const ppl::ParamStore& store) {
  std::map<std::string, torch::Tensor> values;
  for (const auto& [name, value] : store.named_parameters()) values[name] = value.detach().clone();
  return values;
}

bool same_values(const std::map<std::string, torch::Tensor>& a,
                 const std::map<std::string, torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, value] : a)
    if (!b.count(name) || !torch::equal(value, b.at(name))) return false;
  return true;
}

/// Throws from its process_message while armed.
struct ThrowingHandler : ppl::Messenger {
  explicit ThrowingHandler(bool armed) : armed(armed) {}
  void process_message(ppl::Message& msg) override {
    if (armed && msg.name == "mu") throw std::runtime_error("handler failed at 'mu'");
  }
  bool armed;
};

}  // namespace

TEST_CASE(
    "an exception from a model, guide, distribution or handler leaves everything consistent") {
  auto x = torch::linspace(2, 4, 20, torch::kDouble);
  enum class Failure { none, guide_start, model_end, distribution, handler };
  Failure failure = Failure::none;
  auto failing_model = [&](const torch::Tensor& data) {
    model(data);
    if (failure == Failure::model_end) throw std::runtime_error("model failed");
    if (failure == Failure::distribution)  // Bernoulli's support is {0, 1}: a validation error
      ppl::sample("bad", ppl::dist::Bernoulli(torch::full({}, 0.5, torch::kDouble)),
                  torch::full({}, 2.0, torch::kDouble));
  };
  auto failing_guide = [&](const torch::Tensor& data) {
    {
      ppl::plate open("open", 4);  // a plate open when the exception passes
      if (failure == Failure::guide_start) throw std::runtime_error("guide failed");
    }
    guide(data);
  };
  // The same steps with and without failed steps in between: a failure that happens before
  // any draw (at the start of the guide) must not change the trajectory at all.
  auto train = [&](bool inject) {
    ppl::ParamStore store;
    ppl::ParamStoreScope scope(store);
    ppl::handlers::SeedMessenger seed(3);
    ppl::infer::SVI svi(failing_model, failing_guide, ppl::optim::Adam(0.05),
                        ppl::infer::Trace_ELBO());
    for (int step = 0; step < 30; ++step) {
      if (inject && step % 10 == 5) {
        const auto before = snapshot(store);
        failure = Failure::guide_start;
        CHECK_THROWS_WITH(svi.step(x), doctest::Contains("guide failed"));
        failure = Failure::none;
        CHECK(ppl::handler_stack().size() == 1);    // the seed handler only
        CHECK(ppl::plate("probe", 2).dim() == -1);  // no plate dim left allocated
        CHECK(same_values(before, snapshot(store)));
      }
      svi.step(x);
    }
    return snapshot(store);
  };
  CHECK(same_values(train(false), train(true)));

  // Failures after the guide drew (and after backward, for the non-finite loss): the store is
  // unchanged, no gradient is left, and the next step runs.
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::infer::SVI svi(failing_model, failing_guide, ppl::optim::Adam(0.05),
                      ppl::infer::Trace_ELBO());
  svi.step(x);
  for (Failure kind : {Failure::model_end, Failure::distribution, Failure::handler}) {
    CAPTURE(static_cast<int>(kind));
    const auto before = snapshot(store);
    failure = kind;
    {
      ThrowingHandler handler(kind == Failure::handler);
      CHECK_THROWS_AS(svi.step(x), std::exception);
    }
    failure = Failure::none;
    CHECK(ppl::handler_stack().empty());
    CHECK(ppl::plate("probe", 2).dim() == -1);
    CHECK(same_values(before, snapshot(store)));
    for (const auto& [name, value] : store.named_parameters())
      CHECK((!value.grad().defined() || value.grad().abs().max().item<double>() == 0.0));
    const double loss = svi.step(x);
    CHECK(std::isfinite(loss));
    CHECK_FALSE(same_values(before, snapshot(store)));
  }
}

TEST_CASE("two SVI trainings in two threads give exactly the sequential results") {
  // Each training has its own param store and its own generator: nothing is shared.
  auto train = [](double shift, uint64_t seed, std::map<std::string, torch::Tensor>& result,
                  std::vector<double>& losses) {
    ppl::ParamStore store;
    ppl::ParamStoreScope store_scope(store);
    ppl::GeneratorScope generator_scope(at::make_generator<at::CPUGeneratorImpl>(seed));
    auto x = shift + torch::linspace(-1, 1, 20, torch::kDouble);
    ppl::infer::SVI svi(model, guide, ppl::optim::Adam(0.05), ppl::infer::Trace_ELBO());
    for (int step = 0; step < 300; ++step) losses.push_back(svi.step(x));
    result = snapshot(store);
  };
  std::map<std::string, torch::Tensor> sequential_a, sequential_b, parallel_a, parallel_b;
  std::vector<double> losses_a, losses_b, parallel_losses_a, parallel_losses_b;
  train(3.0, 1, sequential_a, losses_a);
  train(-2.0, 2, sequential_b, losses_b);
  std::thread a(train, 3.0, 1, std::ref(parallel_a), std::ref(parallel_losses_a));
  std::thread b(train, -2.0, 2, std::ref(parallel_b), std::ref(parallel_losses_b));
  a.join();
  b.join();
  CHECK(same_values(sequential_a, parallel_a));
  CHECK(same_values(sequential_b, parallel_b));
  CHECK(losses_a == parallel_losses_a);
  CHECK(losses_b == parallel_losses_b);
  CHECK_FALSE(same_values(sequential_a, sequential_b));
  CHECK(sequential_a.at("loc").item<double>() > 2.0);  // both fits went somewhere sensible
  CHECK(sequential_b.at("loc").item<double>() < -1.0);
}

namespace {

/// The conjugate model above as a model object, its model and guide member functions.
struct NormalMean {
  int64_t calls = 0;
  void model(const torch::Tensor& x) {
    ++calls;
    test_svi::model(x);
  }
  void guide(const torch::Tensor& x) { test_svi::guide(x); }
};

struct NormalMeanModuleImpl : torch::nn::Module {
  void model(const torch::Tensor& x) { test_svi::model(x); }
  void guide(const torch::Tensor& x) { test_svi::guide(x); }
};
TORCH_MODULE(NormalMeanModule);

torch::Tensor ramp() {
  return torch::linspace(-1, 3, 20, torch::kDouble);
}

}  // namespace

TEST_CASE("SVI takes member functions of a model object and an ELBO chosen at run time") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::handlers::SeedMessenger seed(0);
  NormalMean normal_mean;
  const bool mean_field = true;  // as if read from a command line
  std::shared_ptr<ppl::infer::ELBO> elbo;
  if (mean_field) {
    elbo = std::make_shared<ppl::infer::TraceMeanField_ELBO>();
  } else {
    elbo = std::make_shared<ppl::infer::Trace_ELBO>();
  }
  ppl::infer::SVI svi(normal_mean, &NormalMean::model, &NormalMean::guide, ppl::optim::Adam(0.05),
                      elbo);
  for (int i = 0; i < 300; ++i) svi.step(ramp());  // a temporary as the argument
  CHECK(normal_mean.calls == 300);                 // the object itself, not a copy
  CHECK(&svi.loss() == elbo.get());
  // Exact posterior: N(sum(x) / (n + 1), 1 / (n + 1)).
  CHECK(store.get("loc").item<double>() == doctest::Approx(20.0 / 21.0).epsilon(0.05));

  // A LibTorch module holder is kept by value: it shares its module.
  ppl::ParamStore module_store;
  ppl::ParamStoreScope module_scope(module_store);
  NormalMeanModule module;
  ppl::infer::SVI module_svi(module, &NormalMeanModuleImpl::model, &NormalMeanModuleImpl::guide,
                             ppl::optim::Adam(0.05), ppl::infer::Trace_ELBO());
  CHECK(std::isfinite(module_svi.step(ramp())));
  CHECK(module_store.contains("loc"));
  CHECK_THROWS_AS(
      ppl::infer::SVI(model, guide, ppl::optim::Adam(0.05), std::shared_ptr<ppl::infer::ELBO>()),
      std::invalid_argument);
}

TEST_CASE("ELBO methods take the model's arguments, temporaries too") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::infer::Trace_ELBO elbo;
  CHECK(std::isfinite(elbo.loss(model, guide, ramp())));
  CHECK(elbo.differentiable_loss(model, guide, ramp()).requires_grad());
  CHECK(std::isfinite(elbo.loss_and_grads(model, guide, ramp())));
  CHECK(store.unconstrained("loc").grad().defined());
}

}  // namespace test_svi
