// DiscreteHMM: log_prob and its gradients against the sequential forward algorithm and brute
// force; homogeneous and heterogeneous chains; batch shapes, expand; filter; sample frequencies;
// errors; and the same HMM written with markov + enumeration under TraceEnum_ELBO.
#include "models/hidden_markov.h"
#include "tests/enumeration_models.h"
#include "tests/support.h"

#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace test_discrete_hmm {

namespace dist = ppl::dist;
using ppl::testing::contains;
using ppl::testing::invalid_argument_of;
using ppl::testing::ValidationScope;
using torch::Tensor;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

Tensor normal_log_density(const Tensor& x, const Tensor& loc, const Tensor& scale) {
  return -0.5 * ((x - loc) / scale).square() - scale.log() - 0.5 * std::log(2 * M_PI);
}

/// log p(y_0..t, z_t) for t = T-1 by the forward algorithm, one step at a time: initial (K),
/// transitions (T, K, K) and observation log-likelihoods log p(y_t | z_t) (T, K), the logits
/// unnormalized.
Tensor forward_algorithm(const Tensor& initial, const Tensor& transition,
                         const Tensor& observation) {
  Tensor alpha = initial.log_softmax(-1);
  const Tensor log_transition = transition.log_softmax(-1);
  for (int64_t t = 0; t < observation.size(0); ++t)
    alpha = (alpha.unsqueeze(-1) + log_transition[t]).logsumexp(0) + observation[t];
  return alpha;
}

/// log p(y) summing every state sequence z_{-1}, ..., z_{T-1}.
Tensor brute_force(const Tensor& initial, const Tensor& transition, const Tensor& observation) {
  const int64_t k = initial.size(0), length = observation.size(0);
  const Tensor log_initial = initial.log_softmax(-1);
  const Tensor log_transition = transition.log_softmax(-1);
  std::vector<Tensor> terms;
  int64_t count = 1;
  for (int64_t t = 0; t <= length; ++t) count *= k;
  for (int64_t code = 0; code < count; ++code) {
    int64_t rest = code, previous = rest % k;
    rest /= k;
    Tensor term = log_initial[previous];
    for (int64_t t = 0; t < length; ++t, rest /= k) {
      const int64_t state = rest % k;
      term = term + log_transition[t][previous][state] + observation[t][state];
      previous = state;
    }
    terms.push_back(term);
  }
  return torch::stack(terms).logsumexp(0);
}

void check_close(const Tensor& actual, const Tensor& expected, double tolerance = 1e-9) {
  INFO("actual: " << actual << "\nexpected: " << expected);
  REQUIRE(actual.sizes() == expected.sizes());
  CHECK((actual - expected).abs().max().item<double>() < tolerance);
}

void check_close(const std::vector<Tensor>& actual, const std::vector<Tensor>& expected,
                 double tolerance = 1e-9) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    CAPTURE(i);
    check_close(actual[i], expected[i], tolerance);
  }
}

/// A K-state chain with Normal observations, parameters as leaves (for gradients).
struct Chain {
  Tensor initial, transition, locs, scale, data;

  Chain(int64_t k, int64_t transition_steps, int64_t length, uint64_t seed) {
    torch::manual_seed(seed);
    initial = torch::randn({k}, kF64).requires_grad_();
    transition = torch::randn({transition_steps, k, k}, kF64).requires_grad_();
    locs = torch::randn({k}, kF64).mul(2).requires_grad_();
    scale = torch::tensor(0.8, kF64).requires_grad_();
    data = torch::randn({length}, kF64).mul(2);
  }
  std::vector<Tensor> parameters() const { return {initial, transition, locs, scale}; }
  dist::DiscreteHMM hmm(std::optional<int64_t> duration = std::nullopt) const {
    return dist::DiscreteHMM(initial, transition, dist::Normal(locs, scale), duration);
  }
  /// log p(y_t | z_t): (T, K).
  Tensor observation_logits() const { return normal_log_density(data.unsqueeze(-1), locs, scale); }
  Tensor transitions() const { return transition.expand({data.size(0), -1, -1}); }
};

}  // namespace

TEST_CASE("DiscreteHMM.log_prob is log p(y) of brute force and of the forward algorithm") {
  for (int64_t k : {1, 2, 3}) {
    for (int64_t length : {1, 2, 3, 4, 5}) {
      CAPTURE(k);
      CAPTURE(length);
      const Chain chain(k, length, length, 10 * k + length);
      const Tensor log_prob = chain.hmm().log_prob(chain.data);
      CHECK(log_prob.dim() == 0);
      const Tensor exact = brute_force(chain.initial, chain.transition, chain.observation_logits());
      check_close(log_prob, exact);
      check_close(log_prob,
                  forward_algorithm(chain.initial, chain.transition, chain.observation_logits())
                      .logsumexp(0));
      check_close(torch::autograd::grad({log_prob}, chain.parameters()),
                  torch::autograd::grad({exact}, chain.parameters()));
    }
  }
}

TEST_CASE("DiscreteHMM: second derivatives, from a backward that builds a graph") {
  const Chain chain(3, 6, 6, 17);
  auto second = [&](const Tensor& log_prob) {
    const Tensor first = torch::autograd::grad({log_prob}, {chain.transition, chain.locs}, {},
                                               /*retain_graph=*/true, /*create_graph=*/true)[0];
    return torch::autograd::grad({first.square().sum()}, chain.parameters());
  };
  check_close(second(chain.hmm().log_prob(chain.data)),
              second(forward_algorithm(chain.initial, chain.transition, chain.observation_logits())
                         .logsumexp(0)));
}

TEST_CASE("DiscreteHMM: heterogeneous chains of many lengths, and time-varying observations") {
  // Lengths that are powers of two, odd at the first level, or odd at later levels.
  for (int64_t length : {6, 7, 8, 9, 33, 100, 1000}) {
    CAPTURE(length);
    const Chain chain(3, length, length, length);
    const Tensor log_prob = chain.hmm().log_prob(chain.data);
    const Tensor expected =
        forward_algorithm(chain.initial, chain.transition, chain.observation_logits()).logsumexp(0);
    check_close(log_prob, expected);
    check_close(torch::autograd::grad({log_prob}, chain.parameters()),
                torch::autograd::grad({expected}, chain.parameters()));
  }
  // Observation locs per step: batch_shape (T, K).
  const Chain chain(3, 1, 11, 5);
  const Tensor locs = torch::randn({11, 3}, kF64).requires_grad_();
  const dist::DiscreteHMM hmm(chain.initial, chain.transition, dist::Normal(locs, chain.scale));
  CHECK(hmm.event_shape() == dist::Shape{11});
  CHECK(hmm.duration() == 11);
  const Tensor log_prob = hmm.log_prob(chain.data);
  const Tensor expected =
      forward_algorithm(chain.initial, chain.transitions(),
                        normal_log_density(chain.data.unsqueeze(-1), locs, chain.scale))
          .logsumexp(0);
  check_close(log_prob, expected);
  check_close(torch::autograd::grad({log_prob}, {locs, chain.transition}),
              torch::autograd::grad({expected}, {locs, chain.transition}));
}

TEST_CASE("DiscreteHMM: a homogeneous chain takes sequences of any length; duration fixes it") {
  const Chain chain(3, 1, 0, 3);
  const auto homogeneous = chain.hmm();
  CHECK(homogeneous.event_shape() == dist::Shape{1});
  CHECK_FALSE(homogeneous.duration().has_value());
  const dist::DiscreteHMM square(chain.initial, chain.transition[0],
                                 dist::Normal(chain.locs, chain.scale));
  CHECK(square.event_shape() == dist::Shape{1});
  for (int64_t length : {1, 2, 7, 64, 1000}) {
    CAPTURE(length);
    Chain sequence = chain;
    sequence.data = torch::randn({length}, kF64);
    const Tensor expected =
        forward_algorithm(chain.initial, sequence.transitions(), sequence.observation_logits())
            .logsumexp(0);
    check_close(homogeneous.log_prob(sequence.data), expected);
    check_close(square.log_prob(sequence.data), expected);
    const auto fixed = chain.hmm(length);
    CHECK(fixed.event_shape() == dist::Shape{length});
    check_close(fixed.log_prob(sequence.data), expected);
    CHECK(contains(
        invalid_argument_of([&] { fixed.log_prob(torch::zeros({length + 1}, kF64)); }),
        fmt::format("value of shape ({}) does not end in event_shape ({})", length + 1, length)));
  }
}

TEST_CASE("DiscreteHMM: -inf logits (forbidden transitions) keep log_prob and gradients exact") {
  // A left-to-right chain: states only move up, and start in state 0.
  const auto inf = std::numeric_limits<double>::infinity();
  const Tensor initial = torch::tensor({0.0, -inf, -inf}, kF64).requires_grad_();
  const Tensor transition =
      torch::tensor({{0.5, 0.0, -1.0}, {-inf, 1.0, 0.0}, {-inf, -inf, 0.0}}, kF64)
          .expand({9, 3, 3})
          .contiguous()
          .requires_grad_();
  const Tensor locs = torch::tensor({-1.0, 0.0, 1.0}, kF64).requires_grad_();
  const Tensor scale = torch::tensor(0.5, kF64);
  const Tensor data = torch::linspace(-1.5, 1.5, 9, kF64);
  const Tensor log_prob =
      dist::DiscreteHMM(initial, transition, dist::Normal(locs, scale)).log_prob(data);
  const Tensor expected =
      forward_algorithm(initial, transition, normal_log_density(data.unsqueeze(-1), locs, scale))
          .logsumexp(0);
  check_close(log_prob, expected);
  const auto gradients = torch::autograd::grad({log_prob}, {transition, locs});
  CHECK(torch::isfinite(gradients[0]).all().item<bool>());
  check_close(gradients, torch::autograd::grad({expected}, {transition, locs}));
  // Impossible: the last state emits only 1s, the chain must end there, the data ends in 0.
  const Tensor emissions = torch::tensor({{0.0, 0.0}, {0.0, 0.0}, {-inf, 0.0}}, kF64);
  const Tensor absorbing =
      torch::tensor({{-inf, 0.0, -inf}, {-inf, -inf, 0.0}, {-inf, -inf, 0.0}}, kF64);
  const dist::DiscreteHMM must_end_in_2(initial, absorbing,
                                        dist::Categorical::from_logits(emissions));
  CHECK(must_end_in_2.log_prob(torch::tensor({0, 1, 1, 0})).item<double>() == -inf);
  CHECK(std::isfinite(must_end_in_2.log_prob(torch::tensor({0, 1, 1, 1})).item<double>()));
}

TEST_CASE("DiscreteHMM: batch shapes broadcast; expand; values with more batch dims") {
  torch::manual_seed(7);
  const int64_t k = 3, length = 6;
  const Tensor initial = torch::randn({2, 1, k}, kF64);
  const Tensor transition = torch::randn({3, length, k, k}, kF64);
  const Tensor locs = torch::randn({length, k}, kF64);
  const Tensor scale = torch::tensor(0.7, kF64);
  const dist::DiscreteHMM hmm(initial, transition, dist::Normal(locs, scale));
  CHECK(hmm.batch_shape() == dist::Shape{2, 3});
  CHECK(hmm.event_shape() == dist::Shape{length});
  const Tensor data = torch::randn({4, 1, 1, length}, kF64);
  const Tensor log_prob = hmm.log_prob(data);
  REQUIRE(log_prob.sizes() == c10::IntArrayRef{4, 2, 3});
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 3; ++j) {
        const Tensor observation = normal_log_density(data[n][0][0].unsqueeze(-1), locs, scale);
        check_close(log_prob[n][i][j],
                    forward_algorithm(initial[i][0], transition[j], observation).logsumexp(0));
      }

  const auto expanded = hmm.expand({5, 2, 3});
  CHECK(expanded.batch_shape() == dist::Shape{5, 2, 3});
  CHECK(expanded.event_shape() == dist::Shape{length});
  const Tensor single = data[0][0][0];
  check_close(expanded.log_prob(single), hmm.log_prob(single).expand({5, 2, 3}));
  CHECK(contains(invalid_argument_of([&] {
                   hmm.expand({4, 3});
                 }),
                 "DiscreteHMM: cannot expand batch_shape (2, 3) to (4, 3)"));

  // Observations that do not depend on the state: a state dim of size 1.
  const dist::DiscreteHMM uninformative(initial[0][0], transition[0],
                                        dist::Normal(torch::zeros({length, 1}, kF64), 1.0));
  check_close(uninformative.log_prob(single),
              normal_log_density(single, torch::zeros({}, kF64), torch::ones({}, kF64)).sum());
}

TEST_CASE("DiscreteHMM.filter is the posterior of the last state") {
  const Chain chain(3, 1, 13, 21);
  const dist::Categorical posterior = chain.hmm().filter(chain.data);
  const Tensor alpha =
      forward_algorithm(chain.initial, chain.transitions(), chain.observation_logits());
  check_close(posterior.logits(), alpha.log_softmax(-1));
  check_close(posterior.probs().sum(), torch::ones({}, kF64));

  // Batched: one posterior per batch element, for each of several sequences.
  const Tensor initials = torch::randn({2, 3}, kF64);
  const dist::DiscreteHMM batched(initials, chain.transition,
                                  dist::Normal(chain.locs, chain.scale));
  const Tensor sequences = torch::randn({4, 1, 13}, kF64);
  const auto posteriors = batched.filter(sequences);
  REQUIRE(posteriors.batch_shape() == dist::Shape{4, 2});
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t i = 0; i < 2; ++i) {
      const Tensor observation =
          normal_log_density(sequences[n][0].unsqueeze(-1), chain.locs, chain.scale);
      check_close(posteriors.logits()[n][i],
                  forward_algorithm(initials[i], chain.transitions(), observation).log_softmax(-1));
    }
}

TEST_CASE("DiscreteHMM.sample draws sequences with the probabilities log_prob gives") {
  // Two states, Bernoulli observations, three steps: 8 sequences, each drawn with p(y).
  const Tensor initial = torch::tensor({0.3, -0.2}, kF64);
  const Tensor transition = torch::tensor({{1.0, -1.0}, {-0.5, 0.5}}, kF64);
  const Tensor emission = torch::tensor({0.1, 0.8}, kF64);
  const dist::DiscreteHMM hmm(initial, transition, dist::Bernoulli(emission), 3);
  const int64_t draws = 40000;
  const Tensor samples = hmm.sample({draws}, ppl::testing::generator(3));
  REQUIRE(samples.sizes() == c10::IntArrayRef{draws, 3});
  const Tensor codes = (samples * torch::tensor({1.0, 2.0, 4.0}, kF64)).sum(-1).to(torch::kLong);
  const Tensor counts = torch::bincount(codes, {}, 8).to(torch::kDouble);
  for (int64_t code = 0; code < 8; ++code) {
    const Tensor sequence = torch::tensor({code & 1, (code >> 1) & 1, (code >> 2) & 1}, kF64);
    const double p = hmm.log_prob(sequence).exp().item<double>();
    const double frequency = counts[code].item<double>() / draws;
    INFO("sequence " << code << ": frequency " << frequency << ", p " << p);
    CHECK(std::abs(frequency - p) < 4 * std::sqrt(p * (1 - p) / draws));
  }

  // Shapes: sample + batch + (T,) + observation event; a homogeneous chain needs its duration.
  const dist::DiscreteHMM batched(torch::zeros({2, 3}, kF64), torch::zeros({3, 3}, kF64),
                                  dist::Normal(torch::zeros({3}, kF64), 1.0), 5);
  CHECK(batched.sample({4}).sizes() == c10::IntArrayRef{4, 2, 5});
  const dist::DiscreteHMM vectors(torch::zeros({3}, kF64), torch::zeros({3, 3}, kF64),
                                  dist::Normal(torch::zeros({3, 2}, kF64), 1.0).to_event(1), 7);
  CHECK(vectors.event_shape() == dist::Shape{7, 2});
  CHECK(vectors.sample({4}).sizes() == c10::IntArrayRef{4, 7, 2});
  // Well-separated states: each observation is near its state's loc.
  const dist::DiscreteHMM separated(torch::zeros({3}, kF64), torch::zeros({3, 3}, kF64),
                                    dist::Normal(torch::tensor({0.0, 10.0, 20.0}, kF64), 1e-3), 50);
  const Tensor drawn = separated.sample({10});
  CHECK(((drawn / 10).round() * 10 - drawn).abs().max().item<double>() < 0.01);
  for (double loc : {0.0, 10.0, 20.0}) CHECK((drawn.round() == loc).any().item<bool>());
  const dist::DiscreteHMM homogeneous(torch::zeros({3}, kF64), torch::zeros({3, 3}, kF64),
                                      dist::Normal(torch::zeros({3}, kF64), 1.0));
  CHECK_THROWS_AS(homogeneous.sample(), std::logic_error);
}

TEST_CASE("DiscreteHMM: arguments and values that do not fit name what was expected and found") {
  const Tensor initial = torch::zeros({3}, kF64);
  const Tensor transition = torch::zeros({5, 3, 3}, kF64);
  const dist::Normal normal(torch::zeros({3}, kF64), 1.0);
  auto error = [](const std::function<void()>& action) { return invalid_argument_of(action); };
  CHECK(error([&] { dist::DiscreteHMM(torch::zeros({}, kF64), transition, normal); }) ==
        "DiscreteHMM: argument 'initial_logits' must have shape batch_shape + (K,), found shape "
        "()");
  CHECK(error([&] { dist::DiscreteHMM(initial, torch::zeros({3}, kF64), normal); }) ==
        "DiscreteHMM: argument 'transition_logits' must have shape batch_shape + (T, K, K) with "
        "K = 3 (the last dim of initial_logits), found shape (3)");
  CHECK(contains(error([&] {
                   dist::DiscreteHMM(initial, torch::zeros({5, 3, 2}, kF64), normal);
                 }),
                 "K = 3 (the last dim of initial_logits), found shape (5, 3, 2)"));
  CHECK(contains(error([&] { dist::DiscreteHMM(torch::zeros({2}, kF64), transition, normal); }),
                 "K = 2 (the last dim of initial_logits), found shape (5, 3, 3)"));
  CHECK(error([&] { dist::DiscreteHMM(initial, transition, dist::Normal(0.0, 1.0)); }) ==
        "DiscreteHMM: argument 'observation_dist' (Normal) must have batch_shape batch_shape + "
        "(T, K) with K = 3 (the last dim of initial_logits), found batch_shape ()");
  CHECK(contains(error([&] {
                   dist::DiscreteHMM(initial, transition,
                                     dist::Normal(torch::zeros({4}, kF64), 1.0));
                 }),
                 "with K = 3 (the last dim of initial_logits), found batch_shape (4)"));
  CHECK(error([&] {
          dist::DiscreteHMM(torch::zeros({2, 3}, kF64), transition,
                            dist::Normal(torch::zeros({4, 3}, kF64), 1.0));
        }) ==
        "DiscreteHMM: the arguments' batch_shape + (T,) must broadcast: initial_logits gives (2, "
        "1), transition_logits (5), observation_dist (4)");
  CHECK(error([&] { dist::DiscreteHMM(initial, transition, normal, 4); }) ==
        "DiscreteHMM: duration must be positive and agree with the arguments' T = 5, found 4");
  CHECK(contains(error([&] { dist::DiscreteHMM(initial, transition[0], normal, 0); }), "found 0"));

  const dist::DiscreteHMM hmm(initial, transition, normal);
  CHECK(error([&] { hmm.log_prob(torch::zeros({4}, kF64)); }) ==
        "DiscreteHMM: value of shape (4) does not end in event_shape (5)");
  CHECK(error([&] { hmm.log_prob(torch::zeros({}, kF64)); }) ==
        "DiscreteHMM: value of shape () does not end in event_shape (5)");
  CHECK(error([&] {
          hmm.filter(torch::zeros({2, 6}, kF64));
        }) == "DiscreteHMM: value of shape (2, 6) does not end in event_shape (5)");
  const dist::DiscreteHMM vectors(initial, transition[0],
                                  dist::Normal(torch::zeros({3, 2}, kF64), 1.0).to_event(1));
  CHECK(error([&] {
          vectors.log_prob(torch::zeros({6, 3}, kF64));
        }) ==
        "DiscreteHMM: value of shape (6, 3) does not end in event_shape (1, 2) (any length in "
        "place of the 1: T is not fixed)");

  // With validation: the observation support, and batch dims that do not broadcast.
  const ValidationScope validation(true);
  const dist::DiscreteHMM coins(initial, transition[0],
                                dist::Bernoulli(torch::full({3}, 0.5, kF64)));
  CHECK(coins.support()->to_string() == "independent(boolean, 1)");
  CHECK(contains(error([&] {
                   coins.log_prob(torch::tensor({0.0, 1.0, 0.5}, kF64));
                 }),
                 "DiscreteHMM: value out of support independent(boolean, 1)"));
  CHECK(contains(
      error([&] {
        hmm.expand({2}).log_prob(torch::zeros({3, 5}, kF64));
      }),
      "DiscreteHMM: value of shape (3, 5) does not fit batch_shape (2) and event_shape (5)"));
  CHECK(contains(error([&] { dist::DiscreteHMM(initial * NAN, transition, normal); }),
                 "argument 'initial_logits' must be real"));
}

TEST_CASE("the HMM written with DiscreteHMM and with markov + enumeration: the same -log p(y)") {
  ppl::testing::HiddenMarkovModel reference;
  const Tensor sequence = ppl::testing::HiddenMarkovModel::simulate(reference, 50, 5);
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::infer::TraceEnum_ELBO elbo(ppl::infer::ELBOOptions().max_plate_nesting(0));
  auto guide = [](const Tensor& y) { ppl::models::hidden_markov_guide(y, 3); };
  auto gradients = [&](const Tensor& loss) {
    std::vector<Tensor> parameters;
    for (const auto& name : {"init", "transition", "locs", "scale"})
      parameters.push_back(store.unconstrained(name));
    return torch::autograd::grad({loss}, parameters);
  };
  elbo.loss([](const Tensor& y) { ppl::models::hidden_markov_model(y, 3); }, guide, sequence);
  // Parameters away from their initial values, the same for both.
  {
    torch::NoGradGuard no_grad;
    torch::manual_seed(0);
    for (const auto& name : store.names()) {
      Tensor parameter = store.unconstrained(name);
      parameter.add_(0.3 * torch::randn_like(parameter));
    }
  }
  const Tensor enumerated_loss = elbo.differentiable_loss(
      [](const Tensor& y) { ppl::models::hidden_markov_model(y, 3); }, guide, sequence);
  const Tensor discrete_loss = elbo.differentiable_loss(
      [](const Tensor& y) { ppl::models::discrete_hmm_model(y, 3); }, guide, sequence);
  MESSAGE("-log p(y): enumerated " << enumerated_loss.item<double>() << ", DiscreteHMM "
                                   << discrete_loss.item<double>());
  check_close(discrete_loss, enumerated_loss);
  check_close(gradients(discrete_loss), gradients(enumerated_loss));
  // And the forward algorithm with the constrained values of the parameters.
  const Tensor init = store.get("init"), transition = store.get("transition");
  const Tensor observation =
      normal_log_density(sequence.unsqueeze(-1), store.get("locs"), store.get("scale"));
  check_close(-discrete_loss, forward_algorithm(torch::zeros({3}, kF64),
                                                torch::cat({init.log().expand({1, 3, 3}),
                                                            transition.log().expand({49, 3, 3})}),
                                                observation)
                                  .logsumexp(0));
}

}  // namespace test_discrete_hmm
