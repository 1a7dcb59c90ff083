// The primitives (ppl/core/primitives.h): sample without handlers, observations, param and module.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

namespace test_primitives {

namespace {

ppl::dist::Normal standard_normal() {
  return ppl::dist::Normal(torch::zeros({}), torch::ones({}));
}

}  // namespace

TEST_CASE("without handlers sample draws or returns the observation") {
  CHECK(ppl::handler_stack().empty());
  auto obs = torch::tensor(3.0);
  CHECK(ppl::sample("x", standard_normal(), obs).item<double>() == 3.0);
  auto draw = ppl::sample("x", ppl::dist::Normal(torch::zeros({4}), torch::ones({4})));
  CHECK(draw.sizes() == torch::IntArrayRef({4}));
}

TEST_CASE("an observation is a tensor, an optional tensor or std::nullopt, as Pyro's obs=None") {
  const std::optional<torch::Tensor> some = torch::tensor(2.0), none;
  auto trace = ppl::handlers::trace([&] {
                 ppl::sample("tensor", standard_normal(), torch::tensor(1.0));
                 ppl::sample("undefined", standard_normal(), torch::Tensor());
                 ppl::sample("some", standard_normal(), some);
                 ppl::sample("none", standard_normal(), none);
                 ppl::sample("nullopt", standard_normal(), std::nullopt);
               }).get_trace();
  CHECK(trace.at("tensor").is_observed);
  CHECK(trace.at("some").is_observed);
  CHECK(trace.at("some").value.item<double>() == 2.0);
  for (const char* latent : {"undefined", "none", "nullopt"}) {
    CAPTURE(latent);
    CHECK_FALSE(trace.at(latent).is_observed);
    CHECK(trace.at(latent).value.defined());
  }
}

TEST_CASE("params go through the stack and the active param store") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::handlers::TraceMessenger tracer;
  auto scale = ppl::param("scale", torch::tensor(2.0), ppl::constraints::positive);
  CHECK(scale.item<double>() == doctest::Approx(2.0));
  CHECK(store.unconstrained("scale").item<double>() == doctest::Approx(std::log(2.0)));
  CHECK(tracer.trace().at("scale").type == ppl::MessageType::param);
  // The init function is not called again once the parameter exists.
  bool called = false;
  ppl::param("scale", [&] {
    called = true;
    return torch::tensor(5.0);
  });
  CHECK_FALSE(called);
  CHECK_THROWS_AS(ppl::param("missing"), std::out_of_range);
}

TEST_CASE("module registers parameters under name$$$path and shares their storage") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  torch::nn::Linear linear(3, 2);
  ppl::handlers::TraceMessenger tracer;
  ppl::module("net", linear);
  CHECK(store.contains("net$$$weight"));
  CHECK(store.contains("net$$$bias"));
  CHECK(tracer.trace().contains("net$$$weight"));
  {
    torch::NoGradGuard no_grad;
    store.unconstrained("net$$$bias").fill_(4.0);
  }
  CHECK(linear->bias.sum().item<double>() == doctest::Approx(8.0));
}

}  // namespace test_primitives
