// vae_mnist: Pyro's VAE tutorial in C++, and the VAEs of the other reference documents as
// presets. Trains a VAE on MNIST and reports the average training and test loss (-ELBO per
// image) as the tutorial does.
#include "examples/common/model_graph.h"
#include "examples/vae_mnist/command_line.h"
#include "examples/vae_mnist/training.h"

#include <fmt/format.h>

#include <iostream>

int main(int argc, char** argv) {
  ppl::examples::TrainingOptions options;
  CLI::App app{
      "Train the VAE of Pyro's VAE tutorial, or of another reference document, on MNIST "
      "with ppl."};
  ppl::examples::add_training_options(app, options);
  std::string graph_file;
  ppl::examples::add_render_model_option(app, graph_file);
  CLI11_PARSE(app, argc, argv);

  try {
    if (!graph_file.empty()) return ppl::examples::render_vae_model(options, graph_file);
    ppl::examples::train_vae(options, std::cout);
  } catch (const std::exception& error) {
    fmt::print(stderr, "vae_mnist: error: {}\n", error.what());
    return 1;
  }
  return 0;
}
