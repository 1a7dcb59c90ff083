#include "examples/vae_mnist/presets.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::examples {
namespace {

/// Kingma & Welling's experiment as the AEVB summary runs it: 784-400-20 with ReLU, the KL in
/// closed form, L = 5 samples, Adam 0.01, batch 128, 3 epochs.
void aevb(TrainingOptions& o, const char* likelihood) {
  o.z_dim = 20;
  o.hidden_dims = {400};
  o.activation = "relu";
  o.likelihood = likelihood;
  o.encoder_log_variance = true;
  o.elbo = "meanfield";
  o.particles = 5;
  o.lr = 0.01;
  o.batch_size = 128;
  o.epochs = 3;
  o.test_frequency = 1;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> table{
      {"pyro-tutorial", "Pyro's VAE tutorial (the defaults)", [](TrainingOptions&) {}},
      {"pytorch-example", "PyTorch's example VAE (lab notebook, seed 000)",
       [](TrainingOptions& o) {
         o.z_dim = 20;
         o.hidden_dims = {400};
         o.activation = "relu";
         o.encoder_log_variance = true;
         o.elbo = "meanfield";
         o.batch_size = 128;
         o.lr = 1e-3;
         o.epochs = 10;
         o.test_frequency = 1;
       }},
      {"aevb-bernoulli", "Kingma & Welling, Bernoulli decoder (AEVB summary, seed 001)",
       [](TrainingOptions& o) { aevb(o, "bernoulli"); }},
      {"aevb-gaussian", "Kingma & Welling, Gaussian decoder with learned variance (seed 001)",
       [](TrainingOptions& o) { aevb(o, "gaussian"); }},
      {"aevb-igaussian", "Kingma & Welling, identity-covariance Gaussian decoder (seed 001)",
       [](TrainingOptions& o) { aevb(o, "igaussian"); }},
      {"zhusuan", "ZhuSuan's VAE tutorial on binarized MNIST (seed 004)",
       [](TrainingOptions& o) {
         o.z_dim = 40;
         o.hidden_dims = {500, 500};
         o.activation = "relu";
         o.binarize = "dynamic";
         o.elbo = "trace";
         o.batch_size = 128;
         o.lr = 1e-3;
         o.test_frequency = 10;
         o.test_iwae = 100;
         o.eval_iwae = {1000, 5000};
         // Not in the document (which trains 3000 epochs at 1e-3): 250 epochs at 1e-3, then 50
         // with the rate decaying by 5% an epoch, which ends near the published figure sooner.
         o.epochs = 300;
         o.lr_decay = 0.95;
         o.lr_decay_after = 250;
       }},
  };
  return table;
}

void apply_preset(const std::string& name, TrainingOptions& options) {
  std::string known;
  for (const Preset& preset : presets()) {
    if (preset.name == name) {
      preset.apply(options);
      return;
    }
    known += fmt::format("{}{}", known.empty() ? "" : ", ", preset.name);
  }
  throw std::invalid_argument(fmt::format("unknown preset '{}': expected one of {}", name, known));
}

}  // namespace ppl::examples
