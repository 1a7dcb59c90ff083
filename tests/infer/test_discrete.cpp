// infer_discrete: MAP values against brute force and Viterbi; posterior draws against exact
// marginals.
#include "tests/enumeration_models.h"
#include "tests/support.h"

#include <doctest/doctest.h>
#include <ppl/ppl.h>

namespace test_discrete {

using ppl::handlers::config_enumerate;
using ppl::infer::infer_discrete;
using ppl::infer::InferDiscreteOptions;
using ppl::testing::BranchingModel;
using ppl::testing::HiddenMarkovModel;

namespace {

/// The values of `names` in a trace of `model` run under infer_discrete.
std::vector<torch::Tensor> decoded(const std::function<void()>& model,
                                   const InferDiscreteOptions& options,
                                   const std::vector<std::string>& names) {
  auto trace = ppl::handlers::trace(infer_discrete(model, options)).get_trace();
  std::vector<torch::Tensor> values;
  for (const auto& name : names) values.push_back(trace.at(name).value);
  return values;
}

}  // namespace

TEST_CASE("infer_discrete's MAP is the brute-force most probable assignment") {
  torch::NoGradGuard no_grad;
  BranchingModel model;
  const auto joint = model.joint();
  auto best = std::max_element(joint.begin(), joint.end(), [](const auto& x, const auto& y) {
    return x.second.template item<double>() < y.second.template item<double>();
  });
  const auto values =
      decoded(config_enumerate(std::ref(model)),
              InferDiscreteOptions().first_available_dim(-2).temperature(0), {"a", "b", "c"});
  CHECK(values[0].item<int64_t>() == best->first.a);
  CHECK(values[1].item<int64_t>() == best->first.b);
  REQUIRE(values[2].sizes() == c10::IntArrayRef({4}));
  for (int64_t i = 0; i < 4; ++i)
    CHECK(values[2][i].item<double>() == static_cast<double>(best->first.c[i]));

  SUBCASE("first_available_dim guessed from the model") {
    const auto guessed = decoded(config_enumerate(std::ref(model)),
                                 InferDiscreteOptions().temperature(0), {"a", "b", "c"});
    for (size_t i = 0; i < values.size(); ++i) CHECK(torch::equal(guessed[i], values[i]));
  }
  SUBCASE("an enumeration dim on the plate's dim names the plate and the fix") {
    const std::string message = ppl::testing::what_of([&] {
      decoded(config_enumerate(std::ref(model)),
              InferDiscreteOptions().first_available_dim(-1).temperature(0), {"a"});
    });
    INFO(message);
    CHECK(ppl::testing::contains(message,
                                 "plate 'data' at dim -1 collides with parallel enumeration, which "
                                 "puts enumerated values at dim -1 and leftwards"));
    CHECK(ppl::testing::contains(message, "or first_available_dim to -2 (infer_discrete)"));
  }
}

TEST_CASE("infer_discrete's MAP of an HMM is the Viterbi path") {
  torch::NoGradGuard no_grad;
  HiddenMarkovModel hmm;
  hmm.data = HiddenMarkovModel::simulate(hmm, 50, 11);
  const std::vector<int64_t> path = hmm.viterbi();
  std::vector<std::string> names;
  for (int t = 0; t < 50; ++t) names.push_back("x_" + std::to_string(t));
  const auto values = decoded(config_enumerate(std::ref(hmm)),
                              InferDiscreteOptions().first_available_dim(-1).temperature(0), names);
  int64_t mismatches = 0;
  for (int t = 0; t < 50; ++t) mismatches += values[t].item<int64_t>() != path[t];
  CHECK(mismatches == 0);
}

TEST_CASE("infer_discrete's draws follow the exact posterior marginals") {
  torch::NoGradGuard no_grad;
  BranchingModel model;
  // Exact marginals of a, b and c_0 from the brute-force joint.
  const auto joint = model.joint();
  std::vector<double> log_p;
  for (const auto& entry : joint) log_p.push_back(entry.second.item<double>());
  const torch::Tensor posterior = torch::softmax(torch::tensor(log_p, torch::kDouble), 0);
  double exact_a1 = 0, exact_b2 = 0, exact_c0 = 0;
  for (size_t i = 0; i < joint.size(); ++i) {
    const double p = posterior[static_cast<int64_t>(i)].item<double>();
    exact_a1 += joint[i].first.a == 1 ? p : 0;
    exact_b2 += joint[i].first.b == 2 ? p : 0;
    exact_c0 += joint[i].first.c[0] == 1 ? p : 0;
  }
  torch::manual_seed(5);
  const int n = 4000;
  double a1 = 0, b2 = 0, c0 = 0;
  auto enumerated = config_enumerate(std::ref(model));
  for (int i = 0; i < n; ++i) {
    const auto values =
        decoded(enumerated, InferDiscreteOptions().first_available_dim(-2), {"a", "b", "c"});
    a1 += values[0].item<int64_t>() == 1;
    b2 += values[1].item<int64_t>() == 2;
    c0 += values[2][0].item<double>() == 1;
  }
  for (auto [frequency, exact, what] : {std::tuple{a1 / n, exact_a1, std::string("a = 1")},
                                        std::tuple{b2 / n, exact_b2, std::string("b = 2")},
                                        std::tuple{c0 / n, exact_c0, std::string("c_0 = 1")}}) {
    const double se = std::sqrt(exact * (1 - exact) / n);
    MESSAGE(what << ": frequency " << frequency << ", exact " << exact << " +- " << se);
    CHECK(std::abs(frequency - exact) < 4 * se);
  }
}

TEST_CASE("infer_discrete's draws of an HMM follow the exact smoothing marginals") {
  torch::NoGradGuard no_grad;
  HiddenMarkovModel hmm;
  hmm.data = HiddenMarkovModel::simulate(hmm, 8, 3);
  // Exact p(x_3 | y) by forward-backward.
  const int64_t T = 8, t_query = 3;
  auto like = [&](int64_t t) {
    return ppl::testing::normal_log_density(hmm.data[t], hmm.locs, 1.0);
  };
  std::vector<torch::Tensor> alpha{hmm.init.log() + like(0)};
  for (int64_t t = 1; t < T; ++t)
    alpha.push_back(torch::logsumexp(alpha.back().view({3, 1}) + hmm.trans.log(), 0) + like(t));
  torch::Tensor beta = torch::zeros({3}, torch::kDouble);
  for (int64_t t = T - 1; t > t_query; --t)
    beta = torch::logsumexp(hmm.trans.log() + (like(t) + beta).view({1, 3}), 1);
  const torch::Tensor exact = torch::softmax(alpha[t_query] + beta, 0);

  torch::manual_seed(9);
  const int n = 4000;
  torch::Tensor counts = torch::zeros({3}, torch::kDouble);
  auto enumerated = config_enumerate(std::ref(hmm));
  for (int i = 0; i < n; ++i) {
    const auto values = decoded(enumerated, InferDiscreteOptions(), {"x_3"});
    counts[values[0].item<int64_t>()] += 1;
  }
  for (int64_t k = 0; k < 3; ++k) {
    const double p = exact[k].item<double>(), se = std::sqrt(p * (1 - p) / n);
    MESSAGE("x_3 = " << k << ": frequency " << counts[k].item<double>() / n << ", exact " << p);
    CHECK(std::abs(counts[k].item<double>() / n - p) < 4 * se + 1e-12);
  }
}

TEST_CASE("infer_discrete returns what the model returns and rejects other temperatures") {
  auto model = [](double y) {
    auto z = ppl::sample("z", ppl::dist::Bernoulli(0.5), {},
                         ppl::InferDict{{"enumerate", std::string("parallel")}});
    ppl::sample("y", ppl::dist::Normal(3.0 * z, 1.0), torch::tensor(y));
    return z;
  };
  auto decode = infer_discrete(model, InferDiscreteOptions().temperature(0));
  CHECK(decode(2.9).item<double>() == 1.0);
  CHECK(decode(-0.4).item<double>() == 0.0);
  CHECK(ppl::testing::contains(ppl::testing::what_of([&] {
                                 infer_discrete(model, InferDiscreteOptions().temperature(2))(0.0);
                               }),
                               "temperature must be 0 (MAP) or 1 (posterior draw), got 2"));
}

}  // namespace test_discrete
