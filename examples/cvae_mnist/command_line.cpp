#include "examples/cvae_mnist/command_line.h"

#include "examples/common/command_line.h"

namespace ppl::examples {

void add_cvae_training_options(CLI::App& app, CvaeTrainingOptions& options) {
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // later wins
  add_optimization_options(app, options);
  add_architecture_options(app, options);
  add_run_options(app, options);
}

}  // namespace ppl::examples
