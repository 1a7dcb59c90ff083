#pragma once
// A hidden Markov model with Normal emissions whose hidden states are summed out exactly, its
// parameters fitted by maximum marginal likelihood; written two ways: with markov + parallel
// enumeration, and with one DiscreteHMM site.

#include <ppl/ppl.h>

#include <cstdint>
#include <vector>

namespace ppl::models {

/// x_0 ~ Categorical(init); x_t ~ Categorical(transition[x_{t-1}]); y_t ~ Normal(locs[x_t],
/// scale) for the T observations of `sequence`. The states x_t ("x_<t>") are enumerated in
/// parallel inside `ppl::markov`, so TraceEnum_ELBO sums them out in O(T K^2). Parameters:
/// "init" and the rows of "transition" (simplex), "locs", "scale" (positive); `locs` starts
/// spread over the data's range, the transitions sticky (0.8 on the diagonal).
void hidden_markov_model(const torch::Tensor& sequence, int64_t num_states);

/// The same model and parameters (names, constraints, initial values) with the states summed out
/// inside one site: y ~ DiscreteHMM observes the whole sequence at site "y" (the forward
/// algorithm as a parallel scan over time, no enumeration needed). `hidden_markov_guide` is its
/// guide too, and `hidden_markov_model` can decode the states with its parameters.
void discrete_hmm_model(const torch::Tensor& sequence, int64_t num_states);

/// The guide of the model: it has no latent besides the states the model sums out.
inline void hidden_markov_guide(const torch::Tensor& /*sequence*/, int64_t /*num_states*/) {}

/// The states of a sequence from `hidden_markov_model`'s sites "x_<t>" of a trace.
std::vector<int64_t> hidden_states(const Trace& trace, int64_t length);

}  // namespace ppl::models
