#pragma once
// The command-line options that vae_mnist and cvae_mnist share, for any options struct with the
// same field names (CLI11).

#include <CLI/CLI.hpp>

namespace ppl::examples {

/// A number for which `holds` is true, else "--flag: must be <rule>, got <value>" (CLI11's
/// PositiveNumber would print its range up to the largest double).
inline CLI::Validator number_that(const std::string& rule, bool (*holds)(double)) {
  return CLI::Validator(
      [rule, holds](std::string& value) -> std::string {
        double number = 0;
        if (!CLI::detail::lexical_cast(value, number))
          return "must be a number, got '" + value + "'";
        return holds(number) ? "" : "must be " + rule + ", got " + value;
      },
      rule);
}

inline const CLI::Validator positive = number_that("> 0", [](double x) { return x > 0; });
inline const CLI::Validator non_negative = number_that(">= 0", [](double x) { return x >= 0; });

/// --epochs, --batch-size, --lr.
template <class Options>
void add_optimization_options(CLI::App& app, Options& options) {
  app.add_option("--epochs", options.epochs,
                 "Training epochs in all; with --resume, a checkpoint that has them trains no "
                 "more")
      ->capture_default_str()
      ->check(non_negative);
  app.add_option("--batch-size", options.batch_size, "Images per SVI step")
      ->capture_default_str()
      ->check(positive);
  app.add_option("--lr", options.lr, "Adam learning rate")->capture_default_str()->check(positive);
}

/// --z-dim, --hidden-dims, --activation.
template <class Options>
void add_architecture_options(CLI::App& app, Options& options) {
  app.add_option("--z-dim", options.z_dim, "Latent dimensions")
      ->capture_default_str()
      ->check(positive);
  app.add_option("--hidden-dims", options.hidden_dims,
                 "Hidden layer sizes of the encoder, input side first (500,500); the decoder's "
                 "are the same reversed")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->capture_default_str()
      ->check(positive);
  app.add_option("--activation", options.activation, "After each hidden layer")
      ->capture_default_str()
      ->check(CLI::IsMember({"softplus", "relu", "tanh"}));
}

/// --seed, --device, --threads, --data-dir, --out-dir, --resume, --no-progress.
template <class Options>
void add_run_options(CLI::App& app, Options& options) {
  app.add_option("--seed", options.seed, "Random seed")->capture_default_str();
  app.add_option("--device", options.device, "cpu or cuda")
      ->capture_default_str()
      ->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--threads", options.threads,
                 "LibTorch intra-op threads (1 is fastest on 2 cores)")
      ->capture_default_str()
      ->check(positive);
  app.add_option("--data-dir", options.data_dir,
                 "Directory with the MNIST IDX files (scripts/fetch_mnist)")
      ->capture_default_str();
  app.add_option("--out-dir", options.out_dir, "Where metrics, pictures and the checkpoint go")
      ->capture_default_str();
  app.add_flag("--resume", options.resume, "Continue from <out-dir>/checkpoint.pt");
  app.add_flag_callback(
      "--no-progress", [&options] { options.progress = false; }, "No progress bar");
}

}  // namespace ppl::examples
