// Discrete latents summed out: SVI steps with TraceEnum_ELBO on the hidden Markov model of
// models/hidden_markov (K = 3 states, markov) for T = 100, 1000 and 10,000, beside the same HMM's
// loss and gradient written by hand in LibTorch (the floor), and the Gaussian mixture of Pyro's
// tutorial (models/gaussian_mixture, AutoDelta guide); then DiscreteHMM (the same HMM as one
// distribution): its log_prob with gradients, and SVI steps of models/hidden_markov's
// discrete_hmm_model. Each case has its own param store; all are timed in interleaved blocks in
// one process. Prints one JSON object (median µs per step, ratios to the hand-written twin and
// across lengths); progress goes to stderr.
#include <models/gaussian_mixture.h>
#include <models/hidden_markov.h>
#include <ppl/ppl.h>

#include "bench/bench_util.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Options {
  int threads = 1;
  int warmup = 3;
  int blocks = 5;
  int block_steps = 4;
  int seed = 0;
};

struct Case : ppl::bench::TimedSteps {
  std::string name;
  torch::Tensor data;
};

/// Three well-separated levels switching now and then, plus noise.
torch::Tensor hmm_data(int64_t length) {
  const auto levels = torch::tensor({-2.0f, 0.0f, 2.5f});
  const auto states = torch::arange(length).div(25, "floor").remainder(3);
  return levels.index({states}) + 0.7 * torch::randn({length});
}

/// SVI steps with TraceEnum_ELBO of `hmm` (one of models/hidden_markov's, K = 3) on `data`.
std::unique_ptr<Case> hmm_case(const std::string& name, void (*hmm)(const torch::Tensor&, int64_t),
                               const torch::Tensor& data) {
  auto c = std::make_unique<Case>();
  c->name = name + "_T" + std::to_string(data.size(0));
  c->data = data;
  auto model = [hmm](const torch::Tensor& y) { hmm(y, 3); };
  auto guide = [](const torch::Tensor& y) { ppl::models::hidden_markov_guide(y, 3); };
  ppl::infer::SVI svi(model, guide, ppl::optim::Adam(0.05),
                      ppl::infer::TraceEnum_ELBO(ppl::infer::ELBOOptions().max_plate_nesting(0)));
  c->step = [svi, data = c->data]() mutable { return svi.step(data); };
  return c;
}

/// hidden_markov_model's parameters as it starts them (init, transition, locs, scale; K = 3).
std::vector<torch::Tensor> initial_parameters(const torch::Tensor& data) {
  const int64_t k = 3;
  const double off_diagonal = 0.2 / (k - 1);
  return {torch::full({k}, 1.0 / k),
          torch::full({k, k}, off_diagonal) + (0.8 - off_diagonal) * torch::eye(k),
          torch::linspace(data.min().item<double>(), data.max().item<double>(), k),
          torch::ones({})};
}

torch::Tensor leaf(const torch::Tensor& value) {
  return value.detach().clone().requires_grad_();
}

/// The same HMM's loss and gradient by hand: its parameters as unconstrained leaves mapped as the
/// param store maps them, the forward algorithm in log space one time step at a time, and the
/// same Adam step: what TraceEnum_ELBO's step is measured against.
std::unique_ptr<Case> hand_hmm_case(const torch::Tensor& data) {
  auto c = std::make_unique<Case>();
  c->name = "hand_hmm_T" + std::to_string(data.size(0));
  c->data = data;
  const auto simplex = ppl::transforms::transform_to(ppl::constraints::simplex);
  const auto positive = ppl::transforms::transform_to(ppl::constraints::positive);
  const auto start = initial_parameters(data);
  std::vector<torch::Tensor> params{leaf(simplex->inverse(start[0])),
                                    leaf(simplex->inverse(start[1])), leaf(start[2]),
                                    leaf(positive->inverse(start[3]))};
  auto optimizer = std::make_shared<torch::optim::Adam>(params, torch::optim::AdamOptions(0.05));
  c->step = [=]() {
    const auto log_init = simplex->forward(params[0]).log();
    const auto log_transition = simplex->forward(params[1]).log();
    const auto locs = params[2];
    const auto scale = positive->forward(params[3]);
    // log N(y_t | locs, scale) for every t and state: (T, K), split into steps once. In chunks:
    // the backward of one unbind into T rows costs O(T^2), since LibTorch looks through all of
    // a node's inputs for a device stream each time one of them gets its gradient.
    const auto z = (data.unsqueeze(1) - locs) / scale;
    const auto emission = -0.5 * z * z - scale.log() - 0.5 * std::log(2 * M_PI);
    std::vector<torch::Tensor> emissions;
    for (const torch::Tensor& chunk : emission.split(64))
      for (torch::Tensor& row : chunk.unbind(0)) emissions.push_back(std::move(row));
    torch::Tensor alpha = log_init + emissions[0];
    for (size_t t = 1; t < emissions.size(); ++t)
      alpha = (alpha.unsqueeze(1) + log_transition).logsumexp(0) + emissions[t];
    const auto loss = -alpha.logsumexp(0);
    optimizer->zero_grad();
    loss.backward();
    optimizer->step();
    return loss.item<double>();
  };
  return c;
}

/// The HMM model's own tensor work per step, without ppl's handlers and without summing the
/// states out: transition.index({x}), the Categorical's and the Normal's log-probs of the
/// enumerated values (as hidden_markov_model computes them under enumeration), and the backward
/// through all of them. A floor for any TraceEnum that runs the model as written.
std::unique_ptr<Case> model_ops_case(const torch::Tensor& data) {
  auto c = std::make_unique<Case>();
  c->name = "model_ops_T" + std::to_string(data.size(0));
  c->data = data;
  const int64_t k = 3;
  std::vector<torch::Tensor> params;
  for (const torch::Tensor& value : initial_parameters(data)) params.push_back(leaf(value));
  // The support of x_t along the dims markov alternates between: -1 and -2.
  const std::vector<torch::Tensor> supports{torch::arange(k), torch::arange(k).reshape({k, 1})};
  c->step = [=]() {
    const auto& [init, transition, locs, scale] =
        std::tie(params[0], params[1], params[2], params[3]);
    std::vector<torch::Tensor> log_probs;
    torch::Tensor x;
    for (int64_t t = 0; t < data.size(0); ++t) {
      const torch::Tensor& next = supports[t % 2];
      const auto probs = t == 0 ? init : transition.index({x});
      log_probs.push_back(ppl::dist::Categorical(probs).log_prob(next));
      log_probs.push_back(ppl::dist::Normal(locs.index({next}), scale).log_prob(data[t]));
      x = next;
    }
    std::vector<torch::Tensor> ones;
    for (const torch::Tensor& log_prob : log_probs) ones.push_back(torch::ones_like(log_prob));
    torch::autograd::backward(log_probs, ones);
    for (const torch::Tensor& param : params) param.mutable_grad().reset();
    return 0.0;
  };
  return c;
}

std::unique_ptr<Case> mixture_case() {
  auto c = std::make_unique<Case>();
  c->name = "gaussian_mixture";
  c->data = torch::tensor({0.0f, 1.0f, 10.0f, 11.0f, 12.0f});
  auto model = [](const torch::Tensor& x) { ppl::models::gaussian_mixture_model(x, 2); };
  auto global = ppl::handlers::block(
      model, ppl::handlers::BlockOptions().expose({"weights", "locs", "scale"}));
  // Started near the tutorial's solution, as its best initialization is (a mixture started
  // badly can collapse a component, where the Dirichlet(0.5) density is unbounded).
  const ppl::TensorDict start{{"weights", torch::tensor({0.5f, 0.5f})},
                              {"locs", torch::tensor({0.0f, 11.0f})},
                              {"scale", torch::tensor(1.0f)}};
  ppl::infer::AutoDelta guide(
      global, ppl::infer::AutoDeltaOptions().init_loc_fn(ppl::infer::init_to_value(start)));
  ppl::infer::SVI svi(
      model, guide,
      ppl::optim::Adam(ppl::optim::AdamOptions(0.1).betas(std::make_tuple(0.8, 0.99))),
      ppl::infer::TraceEnum_ELBO(ppl::infer::ELBOOptions().max_plate_nesting(1)));
  c->step = [svi, data = c->data]() mutable { return svi.step(data); };
  return c;
}

// ---- DiscreteHMM: the forward algorithm as one distribution (self-contained section) ----

/// DiscreteHMM(initial, transition, Normal(locs, scale)).log_prob(y) and its gradients for the
/// four parameters, K = 3, float32, a homogeneous chain over T steps.
std::unique_ptr<Case> discrete_hmm_log_prob_case(int64_t length) {
  auto c = std::make_unique<Case>();
  c->name = "log_prob_backward_T" + std::to_string(length);
  c->data = torch::randn({length});
  const std::vector<torch::Tensor> parameters = {
      torch::randn({3}).requires_grad_(), torch::randn({3, 3}).requires_grad_(),
      torch::tensor({-2.0f, 0.0f, 2.5f}).requires_grad_(), torch::tensor(0.7f).requires_grad_()};
  c->step = [parameters, data = c->data] {
    const ppl::dist::DiscreteHMM hmm(parameters[0], parameters[1],
                                     ppl::dist::Normal(parameters[2], parameters[3]));
    const auto log_prob = hmm.log_prob(data);
    torch::autograd::grad({log_prob}, parameters);
    return log_prob.item<double>();
  };
  return c;
}

/// The DiscreteHMM cases timed in interleaved blocks (short cases repeated to T = 10^4 steps of
/// work per block): median µs per call, and how the log_prob cost grows with T.
nlohmann::json discrete_hmm_timings(const Options& o) {
  std::vector<std::pair<std::unique_ptr<Case>, int>> cases;  // with repetitions per block
  for (int64_t length : {100, 1000, 10000})
    cases.emplace_back(discrete_hmm_log_prob_case(length), 10000 / length);
  for (int64_t length : {100, 1000})
    cases.emplace_back(hmm_case("svi_step", ppl::models::discrete_hmm_model, hmm_data(length)),
                       1000 / length);
  for (auto& [c, repeat] : cases) c->run(o.warmup * repeat, false);
  for (int block = 0; block < o.blocks; ++block)
    for (auto& [c, repeat] : cases) c->run(o.block_steps * repeat, true);
  nlohmann::json timings = nlohmann::json::object();
  for (const auto& [c, repeat] : cases) {
    const double us = ppl::bench::median(c->times_us);
    std::cerr << "enumeration discrete_hmm " << c->name << ": " << us << " us\n";
    timings[c->name] = {{"median_us", us}, {"final_value", c->loss}};
  }
  auto ratio = [&](const char* longer, const char* shorter) {
    return timings[longer]["median_us"].get<double>() / timings[shorter]["median_us"].get<double>();
  };
  return {
      {"what",
       "DiscreteHMM (K = 3, float32): log_prob + gradients of a homogeneous chain, and SVI "
       "steps of models/hidden_markov's discrete_hmm_model (TraceEnum_ELBO + Adam)"},
      {"timings", timings},
      {"log_prob_T1000_over_T100", ratio("log_prob_backward_T1000", "log_prob_backward_T100")},
      {"log_prob_T10000_over_T1000", ratio("log_prob_backward_T10000", "log_prob_backward_T1000")}};
}

// ---- end of the DiscreteHMM section ----

}  // namespace

int main(int argc, char** argv) {
  Options o;
  ppl::bench::parse_int_options(argc, argv,
                                {{"--threads", &o.threads},
                                 {"--warmup", &o.warmup},
                                 {"--blocks", &o.blocks},
                                 {"--block-steps", &o.block_steps},
                                 {"--seed", &o.seed}});
  ppl::bench::configure_run(o.threads);
  torch::manual_seed(o.seed);

  // Each case with its steps per block as a multiple of --block-steps (and of --warmup); 0 for
  // one step (T = 10,000 takes seconds).
  std::vector<std::pair<std::unique_ptr<Case>, int>> cases;
  const std::vector<int64_t> lengths{100, 1000, 10000};
  for (int64_t length : lengths) {
    const torch::Tensor data = hmm_data(length);
    const int repeat = length == 100 ? 4 : length == 1000 ? 1 : 0;
    cases.emplace_back(hmm_case("hmm", ppl::models::hidden_markov_model, data), repeat);
    cases.emplace_back(hand_hmm_case(data), repeat);
    cases.emplace_back(model_ops_case(data), repeat);
  }
  cases.emplace_back(mixture_case(), 100);
  auto steps_of = [](int option, int repeat) { return repeat == 0 ? 1 : option * repeat; };
  for (auto& [c, repeat] : cases) c->run(steps_of(o.warmup, repeat), false);
  for (int block = 0; block < o.blocks; ++block)
    for (auto& [c, repeat] : cases) c->run(steps_of(o.block_steps, repeat), true);

  nlohmann::json steps = nlohmann::json::object();
  for (const auto& [c, repeat] : cases) {
    const double us = ppl::bench::median(c->times_us);
    std::cerr << "enumeration " << c->name << ": " << us << " us/step\n";
    steps[c->name] = {{"median_us_per_step", us}, {"final_loss", c->loss}};
  }
  auto us = [&](const std::string& name) {
    return steps[name]["median_us_per_step"].get<double>();
  };
  nlohmann::json over_hand = nlohmann::json::object(), growth = nlohmann::json::object();
  for (size_t i = 0; i < lengths.size(); ++i) {
    const std::string t = "T" + std::to_string(lengths[i]);
    over_hand[t] = {{"trace_enum", us("hmm_" + t) / us("hand_hmm_" + t)},
                    {"model_ops", us("model_ops_" + t) / us("hand_hmm_" + t)}};
    std::cerr << "enumeration: over hand-written at " << t << ": " << over_hand[t] << "\n";
    if (i == 0) continue;
    const std::string shorter = "T" + std::to_string(lengths[i - 1]);
    growth[t + "_over_" + shorter] = {{"trace_enum", us("hmm_" + t) / us("hmm_" + shorter)},
                                      {"hand", us("hand_hmm_" + t) / us("hand_hmm_" + shorter)}};
  }
  nlohmann::json result = {
      {"models",
       "models/hidden_markov (K = 3, empty guide) and models/gaussian_mixture (5 points, 2 "
       "components, AutoDelta), SVI + TraceEnum_ELBO + Adam; hand_hmm: the HMM's forward "
       "algorithm by hand in LibTorch; model_ops: the model's own tensor ops per step and their "
       "backward, without ppl and without summing out"},
      {"blocks", o.blocks},
      {"steps", steps},
      {"hmm_over_hand", over_hand},
      {"growth_with_length", growth}};
  result["discrete_hmm"] = discrete_hmm_timings(o);
  std::cout << result.dump(2) << "\n";
}
