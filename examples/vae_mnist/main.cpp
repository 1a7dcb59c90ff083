// vae_mnist: Pyro's VAE tutorial in C++. Trains a VAE on MNIST and reports the average
// training and test loss (-ELBO per image) as the tutorial does.
#include "examples/vae_mnist/training.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  ppl::examples::TrainingOptions options;
  CLI::App app{"Train the VAE of Pyro's VAE tutorial on MNIST with ppl."};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // later wins
  app.add_option("--epochs", options.epochs,
                 "Training epochs in all (the tutorial runs 100); with --resume, a checkpoint "
                 "that has them trains no more")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--batch-size", options.batch_size, "Images per SVI step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--lr", options.lr, "Adam learning rate")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--z-dim", options.z_dim, "Latent dimensions")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--hidden-dim", options.hidden_dim, "Hidden units of encoder and decoder")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--test-frequency", options.test_frequency,
                 "Evaluate the test set every this many epochs (and after the first and last)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--elbo", options.elbo,
                 "trace: Monte Carlo ELBO (Trace_ELBO); meanfield: the latent's KL in closed form "
                 "(TraceMeanField_ELBO)")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "meanfield"}));
  app.add_option("--seed", options.seed, "Random seed")->capture_default_str();
  app.add_option("--device", options.device, "cpu or cuda")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--threads", options.threads,
                 "LibTorch intra-op threads (1 is fastest on 2 cores)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--data-dir", options.data_dir,
                 "Directory with the MNIST IDX files (scripts/fetch_mnist)")
      ->capture_default_str();
  app.add_option("--out-dir", options.out_dir, "Where metrics, pictures and the checkpoint go")
      ->capture_default_str();
  app.add_flag("--resume", options.resume, "Continue from <out-dir>/checkpoint.pt");
  app.add_option("--eval-iwae", options.eval_iwae,
                 "After training, estimate the test set's log p(x) per image by importance "
                 "sampling (IWAE bound) with K samples per image; several: 1,100,1000")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::PositiveNumber);
  app.add_flag("--validate", options.validate,
               "Check distribution arguments at every step (slower)");
  bool no_progress = false;
  app.add_flag("--no-progress", no_progress, "No progress bar");
  CLI11_PARSE(app, argc, argv);
  options.progress = !no_progress;

  try {
    ppl::examples::train_vae(options, std::cout);
  } catch (const std::exception& error) {
    fmt::print(stderr, "vae_mnist: error: {}\n", error.what());
    return 1;
  }
  return 0;
}
