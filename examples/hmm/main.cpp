// A 3-state hidden Markov model: a synthetic sequence is drawn from known parameters; the
// parameters are learned back with TraceEnum_ELBO (the states summed out exactly, O(T K^2) per
// step), and the states are decoded with infer_discrete (Viterbi). The model is written two ways
// with the same parameters (--model): one site per step with ppl::markov and enumeration, or one
// DiscreteHMM site for the whole sequence; both fits print the same parameters.
#include "models/hidden_markov.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include "examples/common/command_line.h"
#include "examples/common/model_graph.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <vector>

namespace {

struct Sequence {
  torch::Tensor observations;
  std::vector<int64_t> states;
};

/// T steps of the HMM with the given parameters, drawn with `generator`.
Sequence simulate(const torch::Tensor& init, const torch::Tensor& transition,
                  const torch::Tensor& locs, double scale, int64_t length,
                  at::Generator generator) {
  Sequence sequence;
  std::vector<float> ys;
  int64_t x = torch::multinomial(init, 1, false, generator).item<int64_t>();
  for (int64_t t = 0; t < length; ++t) {
    if (t > 0) x = torch::multinomial(transition[x], 1, false, generator).item<int64_t>();
    sequence.states.push_back(x);
    ys.push_back(locs[x].item<float>() + scale * torch::randn({}, generator).item<float>());
  }
  sequence.observations = torch::tensor(ys);
  return sequence;
}

std::vector<float> values(const torch::Tensor& t) {
  const auto flat = t.detach().contiguous();
  return std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A 3-state HMM learned with TraceEnum_ELBO and decoded with infer_discrete"};
  int64_t length = 300, steps = 300;
  double lr = 0.05;
  uint64_t seed = 0;
  std::string model_name = "enumerated", graph_file;
  app.add_option("--model", model_name,
                 "How the model sums out the states: enumerated (markov + enumeration, a site "
                 "per step) or discrete-hmm (one DiscreteHMM site)")
      ->capture_default_str()
      ->check(CLI::IsMember({"enumerated", "discrete-hmm"}));
  app.add_option("--length", length, "Length of the synthetic sequence")
      ->capture_default_str()
      ->check(ppl::examples::positive);
  app.add_option("--steps", steps, "SVI steps")
      ->capture_default_str()
      ->check(ppl::examples::non_negative);
  app.add_option("--lr", lr, "Adam learning rate")
      ->capture_default_str()
      ->check(ppl::examples::positive);
  app.add_option("--seed", seed, "Seed of the sequence and the fit")->capture_default_str();
  ppl::examples::add_render_model_option(app, graph_file);
  CLI11_PARSE(app, argc, argv);
  ppl::set_num_threads(1);
  torch::manual_seed(seed);

  const int64_t k = 3;
  const auto true_init = torch::full({k}, 1.0f / k);
  const auto true_transition =
      torch::tensor({0.90f, 0.05f, 0.05f, 0.05f, 0.90f, 0.05f, 0.10f, 0.10f, 0.80f}).view({k, k});
  const auto true_locs = torch::tensor({-2.0f, 0.0f, 2.5f});
  const double true_scale = 0.7;
  const Sequence sequence = simulate(true_init, true_transition, true_locs, true_scale, length,
                                     at::detail::createCPUGenerator(seed));

  // The two models have the same parameters: the enumerated one decodes the states either way.
  auto enumerated = [k](const torch::Tensor& y) { ppl::models::hidden_markov_model(y, k); };
  auto model = [k, discrete = model_name == "discrete-hmm"](const torch::Tensor& y) {
    discrete ? ppl::models::discrete_hmm_model(y, k) : ppl::models::hidden_markov_model(y, k);
  };
  if (!graph_file.empty())  // a few steps of the sequence
    return ppl::examples::render_model_to(
        ppl::infer::RenderOptions().filename(graph_file), model,
        sequence.observations.narrow(0, 0, std::min<int64_t>(length, 4)));
  auto guide = [k](const torch::Tensor& y) { ppl::models::hidden_markov_guide(y, k); };
  ppl::infer::SVI svi(model, guide, ppl::optim::Adam(ppl::optim::AdamOptions(lr)),
                      ppl::infer::TraceEnum_ELBO(ppl::infer::ELBOOptions().max_plate_nesting(0)));
  for (int64_t step = 1; step <= steps; ++step) {
    const double loss = svi.step(sequence.observations);
    if (step % 50 == 0 || step == steps) fmt::print("step {:4d}  -log p(y) {:9.3f}\n", step, loss);
  }
  fmt::print("locs:       learned {::.3f}, true {::.3f}\n", values(ppl::param("locs")),
             values(true_locs));
  fmt::print("scale:      learned {:.3f}, true {:.3f}\n", ppl::param("scale").item<float>(),
             true_scale);
  fmt::print("transition: learned {::.3f}\n            true    {::.3f}\n",
             values(ppl::param("transition")), values(true_transition));

  torch::NoGradGuard no_grad;
  auto viterbi = ppl::infer::infer_discrete(
      enumerated, ppl::infer::InferDiscreteOptions().first_available_dim(-1).temperature(0));
  const auto trace = ppl::handlers::trace(viterbi).get_trace(sequence.observations);
  const auto decoded = ppl::models::hidden_states(trace, length);
  int64_t correct = 0;
  for (int64_t t = 0; t < length; ++t) correct += decoded[t] == sequence.states[t];
  fmt::print("decoded states: {} of {} as simulated ({:.1f}%)\n", correct, length,
             100.0 * correct / length);
  return 0;
}
