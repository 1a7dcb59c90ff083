// Validation mode: log-prob shapes against plates, the site behind a non-finite loss, the switch.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include "tests/support.h"

namespace test_validation {

using ppl::dist::Normal;
using ppl::testing::ValidationScope;

namespace {

torch::Tensor zeros(c10::IntArrayRef shape) {
  return torch::zeros(shape, torch::kDouble);
}

/// Runs Trace_ELBO's loss for a model and a guide that both sample `sample_z()` as "z".
template <class SampleZ>
double elbo_loss(SampleZ sample_z, ppl::infer::ELBOOptions options = {}) {
  auto program = [&] { sample_z(); };
  ppl::infer::Trace_ELBO elbo(options);
  return elbo.loss(program, program);
}

/// Adds a frame for a plate "ghost" at dim -1 to every site: a handler that clashes with plates.
struct GhostFrame : ppl::Messenger {
  GhostFrame() {}
  void process_message(ppl::Message& msg) override {
    msg.cond_indep_stack.push_back(ppl::PlateFrame{"ghost", -1, 3, 3, 0});
  }
};

}  // namespace

TEST_CASE("a log-prob dim outside every plate is an error naming the site, with the shapes") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  // The classic mistake: a batch of 3 with neither a plate nor to_event.
  const std::string message = [&] {
    try {
      elbo_loss([] { ppl::sample("z", Normal(zeros({3}), 1.0)); });
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  }();
  CHECK_MESSAGE(message.find("sample site 'z': invalid log_prob shape: expected (1), found (3)") !=
                    std::string::npos,
                message);
  CHECK_MESSAGE(message.find("outside every plate") != std::string::npos, message);
  CHECK_MESSAGE(message.find("Sample Sites:") != std::string::npos, message);  // the table
  CHECK(ppl::handler_stack().empty());
  // Each of the three fixes passes.
  CHECK_NOTHROW(elbo_loss([] { ppl::sample("z", Normal(zeros({3}), 1.0).to_event(1)); }));
  CHECK_NOTHROW(elbo_loss([] {
    ppl::plate batch("batch", 3);
    ppl::sample("z", Normal(zeros({3}), 1.0));
  }));
  // As in Pyro, a dim between plates is free: only dims left of every plate must be 1.
  CHECK_NOTHROW(elbo_loss([] {
    ppl::plate rows("rows", 4, /*dim=*/-2);
    ppl::sample("z", Normal(zeros({4, 2}), 1.0));
  }));
  CHECK_THROWS_WITH_AS(elbo_loss([] {
                         ppl::plate rows("rows", 4, /*dim=*/-2);
                         ppl::sample("z", Normal(zeros({3, 4, 2}), 1.0));
                       }),
                       doctest::Contains("expected (1, 4, -1), found (3, 4, 2)"),
                       std::runtime_error);
}

TEST_CASE("max_plate_nesting: dims further left are free, deeper plates overflow") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto batched = [] {
    ppl::plate data("data", 3);
    ppl::sample("z", Normal(zeros({5, 3}), 1.0));  // dim -2 holds 5 particles, say
  };
  CHECK_THROWS_WITH_AS(elbo_loss(batched), doctest::Contains("expected (1, 3), found (5, 3)"),
                       std::runtime_error);
  CHECK_NOTHROW(elbo_loss(batched, ppl::infer::ELBOOptions().max_plate_nesting(1)));
  auto nested = [] {
    ppl::plate outer("outer", 2);
    ppl::plate inner("inner", 3);
    ppl::sample("z", Normal(zeros({3, 2}), 1.0));
  };
  CHECK_NOTHROW(elbo_loss(nested, ppl::infer::ELBOOptions().max_plate_nesting(2)));
  CHECK_THROWS_WITH_AS(
      elbo_loss(nested, ppl::infer::ELBOOptions().max_plate_nesting(1)),
      doctest::Contains("sample site 'z': plate stack overflow: its plates reach dim -2 but "
                        "max_plate_nesting is 1"),
      std::runtime_error);
  CHECK_THROWS_AS(ppl::infer::Trace_ELBO(ppl::infer::ELBOOptions().max_plate_nesting(-1)),
                  std::invalid_argument);
}

TEST_CASE("two frames at one dim are a dim collision naming the site and both plates") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  CHECK_THROWS_WITH_AS(elbo_loss([] {
                         ppl::plate data("data", 3);
                         GhostFrame ghost;
                         ppl::sample("z", Normal(zeros({3}), 1.0));
                       }),
                       doctest::Contains("sample site 'z' within plate 'ghost' (dim -1): dim "
                                         "collision"),
                       std::runtime_error);
  CHECK(ppl::handler_stack().empty());
}

TEST_CASE("a non-finite loss names the first site whose log-prob is not finite") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto x = torch::tensor({0.5, 1.0, 1.5}, torch::kDouble);
  // obs ~ N(z, 0), its argument check off: 0/0 at every point, a NaN log-prob in the model.
  auto model = [&](const torch::Tensor& data) {
    auto z = ppl::sample("z", Normal(zeros({}), 1.0));
    ppl::plate points("points", 3);
    ppl::sample("obs", Normal(z.expand({3}), zeros({3}), /*validate_args=*/false), data);
  };
  auto guide = [&](const torch::Tensor&) {
    auto loc = ppl::param("loc", zeros({}));
    ppl::sample("z", Normal(loc, 1.0));
  };
  ppl::infer::SVI svi(model, guide, ppl::optim::Adam(0.1), ppl::infer::Trace_ELBO());
  CHECK_THROWS_WITH_AS(svi.step(x),
                       doctest::Contains("loss is nan: the log-prob of sample site 'obs' in the "
                                         "model is not finite (3 of 3 entries; nan at index (0))"),
                       std::runtime_error);
  // The failed step left neither a parameter change nor a partial gradient behind.
  CHECK(store.get("loc").item<double>() == 0.0);
  CHECK(store.unconstrained("loc").grad().item<double>() == 0.0);
  CHECK_THROWS_WITH_AS(svi.evaluate_loss(x), doctest::Contains("site 'obs' in the model"),
                       std::runtime_error);

  // A NaN parameter in the guide: its Normal's argument check fails after the param; with
  // validation off the loss is NaN and the guide's site is named (guide sites come first).
  store.set("loc", torch::tensor(std::nan(""), torch::kDouble));
  CHECK_THROWS_WITH_AS(svi.evaluate_loss(x),
                       doctest::Contains("guide failed after param site 'loc': Normal: argument "
                                         "'loc' must be real, found nan"),
                       std::invalid_argument);

  // With validation off as well: a non-finite loss is an error (Pyro warns), never a silent NaN.
  const ValidationScope off(false);
  CHECK_THROWS_WITH_AS(svi.evaluate_loss(x), doctest::Contains("site 'z' in the guide"),
                       std::runtime_error);
}

TEST_CASE("with validation off, model/guide mismatches and shapes are not checked") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto model = [] {
    ppl::sample("z", Normal(zeros({}), 1.0));
    ppl::sample("extra", Normal(zeros({2}), 1.0));  // not in the guide, no plate
  };
  auto guide = [] { ppl::sample("z", Normal(zeros({}), 1.0)); };
  ppl::infer::Trace_ELBO elbo;
  CHECK_THROWS_WITH_AS(elbo.loss(model, guide), doctest::Contains("'extra' is a latent"),
                       std::runtime_error);
  {
    const ValidationScope off(false);
    CHECK_FALSE(ppl::is_validation_enabled());
    CHECK(std::isfinite(elbo.loss(model, guide)));
  }
  CHECK(ppl::is_validation_enabled());
}

TEST_CASE("a guide value outside the model's support is blamed on that site and the guide") {
  const ValidationScope on(true);
  const torch::Tensor x = torch::tensor({1.0, 3.0, 2.0}, torch::kDouble);
  const auto scalar = [](double value) { return torch::full({}, value, torch::kDouble); };
  // The guide's Normal (support real) draws a negative rate for the model's Gamma.
  auto guide = [&](const torch::Tensor&) {
    ppl::sample("rate", Normal(scalar(-2.0), scalar(0.1)));
  };
  const std::string expected =
      "sample site 'rate': the guide drew a value outside the model's support: found -";
  const std::string supports =
      "(the model's Gamma has support nonnegative, the guide's Normal has support real)";

  SUBCASE("the model fails downstream, at the observed site's distribution") {
    auto model = [&](const torch::Tensor& data) {
      auto rate = ppl::sample("rate", ppl::dist::Gamma(scalar(2.0), scalar(1.0)));
      ppl::plate plate("data", data.size(0));
      ppl::sample("obs", ppl::dist::Poisson(rate), data);
    };
    const std::string message =
        ppl::testing::what_of([&] { ppl::infer::Trace_ELBO().loss(model, guide, x); });
    INFO(message);
    CHECK(message.rfind(expected, 0) == 0);
    CHECK(ppl::testing::contains(message, supports));
    CHECK(ppl::testing::contains(message,
                                 "the model then failed: model failed after sample "
                                 "site 'rate': Poisson: argument 'rate' must be "));
    CHECK_THROWS_AS(ppl::infer::Trace_ELBO().loss(model, guide, x), std::invalid_argument);
  }
  SUBCASE("the model runs, and the site's own log-prob fails") {
    auto model = [&](const torch::Tensor& data) {
      auto rate = ppl::sample("rate", ppl::dist::Gamma(scalar(2.0), scalar(1.0)));
      ppl::plate plate("data", data.size(0));
      ppl::sample("obs", Normal(rate, 1.0), data);
    };
    const std::string message =
        ppl::testing::what_of([&] { ppl::infer::Trace_ELBO().loss(model, guide, x); });
    INFO(message);
    CHECK(message.rfind(expected, 0) == 0);
    CHECK(ppl::testing::contains(message, supports));
  }
}

}  // namespace test_validation
