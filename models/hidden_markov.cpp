#include "models/hidden_markov.h"

#include <string>

namespace ppl::models {

namespace {

struct Parameters {
  torch::Tensor init, transition, locs, scale;
};

/// The parameters both ways of writing the model share: names, constraints, initial values.
Parameters parameters(const torch::Tensor& sequence, int64_t num_states) {
  const auto options = sequence.options();
  const int64_t k = num_states;
  Parameters p;
  p.init = ppl::param(
      "init", [&] { return torch::full({k}, 1.0 / k, options); }, constraints::simplex);
  p.transition = ppl::param(
      "transition",
      [&] {
        const double off_diagonal = k > 1 ? 0.2 / (k - 1) : 0.0;
        return torch::full({k, k}, off_diagonal, options) +
               (0.8 - off_diagonal) * torch::eye(k, options);
      },
      constraints::simplex);
  p.locs = ppl::param("locs", [&] {
    return torch::linspace(sequence.min().item<double>(), sequence.max().item<double>(), k,
                           options);
  });
  p.scale = ppl::param(
      "scale", [&] { return torch::ones({}, options); }, constraints::positive);
  return p;
}

}  // namespace

void hidden_markov_model(const torch::Tensor& sequence, int64_t num_states) {
  const auto [init, transition, locs, scale] = parameters(sequence, num_states);
  const InferDict enumerate{{"enumerate", std::string("parallel")}};
  torch::Tensor x;
  for (int64_t t : ppl::markov(sequence.size(0))) {
    const auto probs = t == 0 ? init : transition.index({x});
    x = ppl::sample("x_" + std::to_string(t), dist::Categorical(probs), {}, enumerate);
    ppl::sample("y_" + std::to_string(t), dist::Normal(locs.index({x}), scale), sequence[t]);
  }
}

void discrete_hmm_model(const torch::Tensor& sequence, int64_t num_states) {
  const auto [init, transition, locs, scale] = parameters(sequence, num_states);
  const int64_t k = num_states;
  // DiscreteHMM starts from a state before the first step: a first transition that ignores it
  // (every row init) makes x_0 ~ init, whatever the initial logits.
  const auto transition_logits = torch::cat(
      {init.log().expand({1, k, k}), transition.log().expand({sequence.size(0) - 1, k, k})});
  ppl::sample("y",
              dist::DiscreteHMM(torch::zeros({k}, sequence.options()), transition_logits,
                                dist::Normal(locs, scale)),
              sequence);
}

std::vector<int64_t> hidden_states(const Trace& trace, int64_t length) {
  std::vector<int64_t> states;
  for (int64_t t = 0; t < length; ++t)
    states.push_back(trace.at("x_" + std::to_string(t)).value.item<int64_t>());
  return states;
}

}  // namespace ppl::models
