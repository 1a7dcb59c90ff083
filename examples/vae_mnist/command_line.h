#pragma once
// vae_mnist's command line: the presets and the flags that override them.

#include "examples/vae_mnist/training.h"

#include <CLI/CLI.hpp>

namespace ppl::examples {

/// Adds vae_mnist's options to `app`, each storing into `options` when parsed. `--preset NAME`
/// applies the preset as soon as it is read, so the other flags given override it, wherever
/// they stand on the line.
void add_training_options(CLI::App& app, TrainingOptions& options);

}  // namespace ppl::examples
