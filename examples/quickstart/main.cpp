// A first ppl program: a coin with an unknown bias, flipped ten times.
//
// The model draws the bias from a Beta-like prior (a Uniform here), then flips the coin inside
// a plate. We trace it, condition it on observed flips and print the trace's shapes and joint
// log density.
#include <ppl/ppl.h>

#include <fmt/format.h>

int main() {
  torch::set_num_threads(1);
  auto flips = torch::tensor({1., 1., 0., 1., 1., 1., 0., 1., 1., 1.});

  auto model = [](const torch::Tensor& data) {
    auto bias = ppl::sample("bias", ppl::dist::Uniform(torch::zeros({}), torch::ones({})));
    ppl::plate flips("flips", data.size(0));
    ppl::sample("flip", ppl::dist::Bernoulli(bias), data);
    return bias;
  };

  auto conditioned = ppl::handlers::condition(model, {{"bias", torch::tensor(0.8)}});
  auto trace = ppl::handlers::trace(ppl::handlers::seed(conditioned, 0)).get_trace(flips);
  trace.compute_log_prob();
  fmt::print("{}", trace.format_shapes());
  fmt::print("log p(bias = 0.8, flips) = {:.4f}\n", trace.log_prob_sum().item<double>());
  return 0;
}
