#include "examples/vae_mnist/command_line.h"

#include "examples/common/command_line.h"
#include "examples/vae_mnist/presets.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace ppl::examples {

void add_training_options(CLI::App& app, TrainingOptions& options) {
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // later wins
  std::string preset_help = "The settings of a reference document; the other flags override them:";
  std::vector<std::string> preset_names;
  for (const auto& preset : presets()) {
    preset_help += fmt::format("\n  {}: {}", preset.name, preset.document);
    preset_names.push_back(preset.name);
  }
  // Applied as soon as it is parsed, before the other flags are stored: they override it.
  app.add_option_function<std::string>(
         "--preset", [&options](const std::string& name) { apply_preset(name, options); },
         preset_help)
      ->check(CLI::IsMember(preset_names))
      ->trigger_on_parse();
  add_optimization_options(app, options);
  app.add_option("--lr-decay", options.lr_decay,
                 "Multiply the learning rate by this after every epoch past --lr-decay-after (an "
                 "exponential schedule)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--lr-decay-after", options.lr_decay_after,
                 "The learning rate stays constant for this many epochs")
      ->capture_default_str()
      ->check(ppl::examples::non_negative);
  add_architecture_options(app, options);
  app.add_option("--likelihood", options.likelihood,
                 "p(x | z) per pixel: bernoulli, continuous-bernoulli, gaussian (learned "
                 "variance) or igaussian (unit variance)")
      ->capture_default_str()
      ->check(CLI::IsMember({"bernoulli", "continuous-bernoulli", "gaussian", "igaussian"}));
  app.add_flag("--encoder-log-variance", options.encoder_log_variance,
               "The encoder outputs log sigma^2 (PyTorch example) rather than log sigma "
               "(tutorial); =false to turn a preset's off");
  app.add_option("--binarize", options.binarize,
                 "none: intensities in [0, 1]; dynamic: a fresh Bernoulli draw of each training "
                 "image every epoch; fixed: one seeded draw (the test set is drawn once either "
                 "way)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "dynamic", "fixed"}));
  app.add_option("--particles", options.particles, "ELBO samples per image (L)")
      ->capture_default_str()
      ->check(ppl::examples::positive);
  app.add_option("--beta", options.beta,
                 "Weight of the latent's terms in the ELBO (a beta-VAE when not 1)")
      ->capture_default_str()
      ->check(ppl::examples::positive);
  app.add_option("--test-frequency", options.test_frequency,
                 "Evaluate the test set every this many epochs (and after the first and last)")
      ->capture_default_str()
      ->check(ppl::examples::positive);
  app.add_option("--elbo", options.elbo,
                 "trace: Monte Carlo ELBO (Trace_ELBO); meanfield: the latent's KL in closed form "
                 "(TraceMeanField_ELBO)")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "meanfield"}));
  app.add_option("--eval-iwae", options.eval_iwae,
                 "After training, estimate the test set's log p(x) per image by importance "
                 "sampling (IWAE bound) with K samples per image; several: 1,100,1000")
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(ppl::examples::positive);
  app.add_option("--test-iwae", options.test_iwae,
                 "At each test epoch, also estimate the test log p(x) with K importance samples "
                 "per image (loglik.png); 0: no")
      ->capture_default_str()
      ->check(ppl::examples::non_negative);
  app.add_flag("--tsne", options.tsne,
               "After training, embed the test set's latent means in 2-D with t-SNE (tsne.png, "
               "tsne.csv; the tutorial's Figure 5)");
  app.add_flag("--validate", options.validate,
               "Check distribution arguments at every step (slower)");
  add_run_options(app, options);
}

}  // namespace ppl::examples
