// Enumeration handlers: config_enumerate, parallel dims, markov recycling, sequential runs.
#include "tests/support.h"

#include <doctest/doctest.h>
#include <ppl/ppl.h>

namespace test_enum {

using ppl::handlers::config_enumerate;
using ppl::handlers::enumerate_dim_of;
using ppl::handlers::EnumMessenger;

namespace {

ppl::Trace enumerated_trace(const std::function<void()>& model, int64_t first_available_dim) {
  EnumMessenger enumerate(first_available_dim);
  return ppl::handlers::trace(model).get_trace();
}

}  // namespace

TEST_CASE("config_enumerate marks unobserved finite-support sites and keeps a site's own choice") {
  auto model = [] {
    ppl::sample("a", ppl::dist::Bernoulli(0.3));
    ppl::sample("b", ppl::dist::Categorical(torch::ones({3})), {},
                ppl::InferDict{{"enumerate", std::string("sequential")}});
    ppl::sample("c", ppl::dist::Normal(0.0, 1.0));
    ppl::sample("d", ppl::dist::Bernoulli(0.3), torch::tensor(1.0));
  };
  auto trace = ppl::handlers::trace(config_enumerate(model)).get_trace();
  CHECK(ppl::handlers::enumeration_of(trace.at("a")) == "parallel");
  CHECK(ppl::handlers::enumeration_of(trace.at("b")) == "sequential");
  CHECK(ppl::handlers::enumeration_of(trace.at("c")).empty());
  CHECK(ppl::handlers::enumeration_of(trace.at("d")).empty());
}

TEST_CASE("parallel enumeration puts each support along its own dim left of the plates") {
  auto model = [] {
    auto a = ppl::sample("a", ppl::dist::Categorical(torch::ones({3})));
    ppl::plate data("data", 5);
    auto b = ppl::sample("b", ppl::dist::Bernoulli(0.2 + 0.1 * a.to(torch::kFloat)));
    ppl::sample("x", ppl::dist::Normal(b, 1.0), torch::zeros({5}));
  };
  auto trace = enumerated_trace(config_enumerate(model), -2);
  trace.compute_log_prob();
  CHECK(*enumerate_dim_of(trace.at("a")) == -2);
  CHECK(*enumerate_dim_of(trace.at("b")) == -3);
  CHECK(trace.at("a").value.sizes() == c10::IntArrayRef({3, 1}));
  CHECK(trace.at("b").value.sizes() == c10::IntArrayRef({2, 1, 1}));
  CHECK(torch::equal(trace.at("a").value.flatten(), torch::arange(3)));
  CHECK(trace.at("x").log_prob.sizes() ==
        c10::IntArrayRef({2, 1, 5}));  // x depends on a through b only
  const std::map<int64_t, std::string> expected_dims{{-3, "b"}, {-2, "a"}};
  CHECK(ppl::handlers::enumeration_dims(trace.at("x")) == expected_dims);
}

TEST_CASE("markov recycles enumeration dims after `history` steps") {
  for (int64_t history : {1, 2, 3}) {
    CAPTURE(history);
    auto chain = [history] {
      torch::Tensor x = torch::tensor(0L);
      for (int64_t t : ppl::markov(10, history)) {
        auto probs = torch::full({2, 2}, 0.5).index({x});
        x = ppl::sample("x_" + std::to_string(t), ppl::dist::Categorical(probs));
      }
    };
    auto trace = enumerated_trace(config_enumerate(chain), -1);
    std::set<int64_t> dims;
    for (const auto& site : trace.sites()) dims.insert(*enumerate_dim_of(site));
    CHECK(dims.size() == static_cast<size_t>(history + 1));
    // Each site sees the sites of the last `history` steps, on distinct dims.
    const auto& last = trace.at("x_9");
    CHECK(last.enumeration->markov_scope.has_value());
    CHECK(ppl::handlers::enumeration_dims(last).size() == static_cast<size_t>(history + 1));
  }
}

TEST_CASE("enumerate_sequentially runs once per combination of values") {
  std::vector<std::pair<int64_t, int64_t>> runs;
  auto model = [&] {
    auto a = ppl::sample("a", ppl::dist::Bernoulli(0.5));
    // The second site exists only when a is 1: the odometer follows the program.
    int64_t b = -1;
    if (a.item<double>() == 1.0)
      b = ppl::sample("b", ppl::dist::Categorical(torch::ones({3}))).item<int64_t>();
    runs.emplace_back(static_cast<int64_t>(a.item<double>()), b);
  };
  ppl::handlers::enumerate_sequentially(config_enumerate(model, "sequential"));
  const std::vector<std::pair<int64_t, int64_t>> expected{{0, -1}, {1, 0}, {1, 1}, {1, 2}};
  CHECK(runs == expected);
}

}  // namespace test_enum
