// Pyro's tutorial "Gaussian Mixture Model" in C++: two components fitted by MAP to the data
// 0, 1, 10, 11, 12, each datum's component summed out exactly by TraceEnum_ELBO, then each
// datum's most probable component by infer_discrete.
#include "models/gaussian_mixture.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include "examples/common/command_line.h"
#include "examples/common/model_graph.h"

#include <CLI/CLI.hpp>

#include <vector>

int main(int argc, char** argv) {
  CLI::App app{"Gaussian mixture fitted by MAP with the component assignments enumerated"};
  int64_t inits = 100, steps = 200;
  std::string graph_file;
  app.add_option("--inits", inits, "Seeded initializations to choose from")
      ->capture_default_str()
      ->check(ppl::examples::positive);
  app.add_option("--steps", steps, "SVI steps")
      ->capture_default_str()
      ->check(ppl::examples::non_negative);
  ppl::examples::add_render_model_option(app, graph_file);
  CLI11_PARSE(app, argc, argv);
  ppl::set_num_threads(1);

  const auto data = torch::tensor({0.0, 1.0, 10.0, 11.0, 12.0});
  const int64_t components = 2;
  if (!graph_file.empty())
    return ppl::examples::render_model_to(ppl::infer::RenderOptions().filename(graph_file),
                                          ppl::models::gaussian_mixture_model, data, components);
  const auto fit = ppl::models::fit_gaussian_mixture(data, components, inits, steps);
  fmt::print("initialization: seed {}, loss {:.4f}\n", fit.seed, fit.initial_loss);
  fmt::print("after {} steps: loss {:.4f}\n", steps, fit.final_loss);
  auto values = [](const torch::Tensor& t) {
    const auto flat = t.contiguous();
    return std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
  };
  fmt::print("weights = {::.3f}\nlocs = {::.3f}\nscale = {:.3f}\n", values(fit.weights),
             values(fit.locs), fit.scale.item<float>());

  // The MAP assignment of each datum, given the fitted globals.
  auto fitted = ppl::handlers::condition(
      [](const torch::Tensor& x) { ppl::models::gaussian_mixture_model(x, 2); },
      ppl::TensorDict{{"weights", fit.weights}, {"locs", fit.locs}, {"scale", fit.scale}});
  auto decode = ppl::infer::infer_discrete(
      fitted, ppl::infer::InferDiscreteOptions().first_available_dim(-2).temperature(0));
  auto trace = ppl::handlers::trace(decode).get_trace(data);
  const auto assignment = trace.at("assignment").value;
  fmt::print("assignments = {}\n",
             std::vector<int64_t>(assignment.data_ptr<int64_t>(),
                                  assignment.data_ptr<int64_t>() + assignment.numel()));
  return 0;
}
