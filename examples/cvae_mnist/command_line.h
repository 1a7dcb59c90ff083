#pragma once
// cvae_mnist's command line.

#include "examples/cvae_mnist/training.h"

#include <CLI/CLI.hpp>

namespace ppl::examples {

/// Adds cvae_mnist's options to `app`, each storing into `options` when parsed.
void add_cvae_training_options(CLI::App& app, CvaeTrainingOptions& options);

}  // namespace ppl::examples
