#pragma once
// The settings of each VAE in the reference documents, as vae_mnist presets.

#include "examples/vae_mnist/training.h"

#include <string>
#include <vector>

namespace ppl::examples {

/// A named set of training options reproducing one document's VAE.
struct Preset {
  std::string name;
  std::string document;  ///< where the settings come from
  void (*apply)(TrainingOptions&);
};

/// pyro-tutorial (the defaults), pytorch-example, aevb-bernoulli, aevb-gaussian,
/// aevb-igaussian, zhusuan.
const std::vector<Preset>& presets();

/// Sets the options the preset `name` fixes (model, objective, optimizer, data, epochs), leaving
/// the others as they are; std::invalid_argument naming the known presets when there is none of
/// that name. vae_mnist applies it to the defaults, then the flags given.
void apply_preset(const std::string& name, TrainingOptions& options);

}  // namespace ppl::examples
