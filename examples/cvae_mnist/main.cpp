// cvae_mnist: a conditional VAE on MNIST with ppl. Trains p(x | z, y) and q(z | x, y) on the
// images and their digit labels, reports the average training and test loss (-ELBO per image)
// every epoch, and draws each digit on demand from the prior.
#include "examples/cvae_mnist/command_line.h"
#include "examples/cvae_mnist/training.h"

#include <fmt/format.h>

#include <iostream>

int main(int argc, char** argv) {
  ppl::examples::CvaeTrainingOptions options;
  CLI::App app{"Train a conditional VAE on MNIST and its labels with ppl."};
  ppl::examples::add_cvae_training_options(app, options);
  CLI11_PARSE(app, argc, argv);

  try {
    ppl::examples::train_cvae(options, std::cout);
  } catch (const std::exception& error) {
    fmt::print(stderr, "cvae_mnist: error: {}\n", error.what());
    return 1;
  }
  return 0;
}
