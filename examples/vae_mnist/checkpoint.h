#pragma once
// The vae_mnist checkpoint: everything needed to continue a run exactly where it stopped.

#include <torch/torch.h>

#include <string>
#include <vector>

namespace ppl::examples {

struct Checkpoint {
  int64_t epoch = 0;  ///< epochs completed
  int64_t z_dim = 0;  ///< model sizes, checked on resume
  int64_t hidden_dim = 0;
  std::vector<char> params;      ///< ParamStore::to_bytes()
  std::vector<char> optimizer;   ///< Optimizer::to_bytes()
  torch::Tensor cpu_rng_state;   ///< the default CPU generator's state
  torch::Tensor cuda_rng_state;  ///< the current CUDA device's generator state, if any
  std::string metrics_json;      ///< the run's metrics so far
};

/// Writes `checkpoint` to `path` atomically (a crash leaves the previous checkpoint intact).
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

/// Reads a checkpoint; std::runtime_error naming `path` if it is missing, truncated, corrupt or
/// not a vae_mnist checkpoint.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace ppl::examples
