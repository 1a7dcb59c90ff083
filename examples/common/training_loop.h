#pragma once
// The pieces of a training loop over MNIST that the examples share: the device, one epoch of SVI
// steps, the test set's loss.

#include "examples/common/epoch_metrics.h"
#include "examples/common/mnist.h"

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace ppl::examples {

/// The device named `name` ("cpu", "cuda"); std::runtime_error when it is CUDA and this build of
/// LibTorch sees no CUDA device.
torch::Device training_device(const std::string& name);

/// The generator of a run's evaluations on `device` (test losses, importance-weighted bounds, the
/// test epochs' images), seeded from the run's seed and the process's rank. Evaluating under a
/// GeneratorScope of it leaves the training's random stream alone: how often a run tests never
/// changes how it trains.
at::Generator evaluation_generator(const torch::Device& device, uint64_t seed, int64_t rank = 0);

/// Seconds on the steady clock since `start`.
double seconds_since(std::chrono::steady_clock::time_point start);

/// One epoch of training: `step(i)` (an SVI step on batch i, returning its loss) on every batch of
/// `batches` in the epoch's shuffled order, with a progress bar "[epoch NNN]" when `progress`.
/// Returns the epoch's metrics: `epoch`, the training loss (the losses summed over the split / its
/// size) and the seconds it took.
EpochMetrics train_epoch(MnistBatches& batches, int64_t epoch, bool progress,
                         const std::function<double(int64_t)>& step);

/// The test loss: `loss(i)` (svi.evaluate_loss on batch i) summed over the batches of `batches` /
/// the size of their split.
double test_loss(const MnistBatches& batches, const std::function<double(int64_t)>& loss);

}  // namespace ppl::examples
