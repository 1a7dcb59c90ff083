#pragma once
// MNIST: loading a split from its IDX files and iterating over it in (shuffled) minibatches.

#include <ppl/distributed/sampler.h>

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace ppl::examples {

/// One MNIST split, kept as bytes on the CPU.
struct MnistSplit {
  torch::Tensor images;  ///< uint8 (N, 28, 28), pixel intensities 0..255
  torch::Tensor labels;  ///< uint8 (N), digits 0..9
};

/// Loads the training split (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`) or the test
/// split (`t10k-...`) from `data_dir`, each file raw or with a `.gz` suffix (raw preferred).
/// Throws std::runtime_error naming the file when one is missing (suggesting scripts/fetch_mnist)
/// or malformed, and naming both when images and labels differ in count.
MnistSplit load_mnist(const std::string& data_dir, bool train);

/// The split with every pixel replaced by one Bernoulli draw with its intensity as probability
/// (0 or 255), from a generator seeded with `seed`: the same images for the same seed.
MnistSplit binarize(MnistSplit split, uint64_t seed);

/// Minibatches over a split, as PyTorch's DataLoader with drop_last=False: batch i of an epoch
/// holds examples [i * batch_size, (i + 1) * batch_size) of that epoch's order, the last batch
/// possibly smaller. With shuffling, epoch k's order is a permutation drawn from (seed, k) with a
/// private generator, so it does not depend on what ran before (resuming at epoch k reproduces it).
/// In data-parallel training, `rank` of `world_size` processes gets its part of each batch
/// (distributed::DistributedSampler); batch_size is then the global batch's.
///
///   MnistBatches batches(load_mnist("data/mnist", true), 128, true, torch::kCUDA, 0);
///   for (int64_t epoch = 0; epoch < 10; ++epoch) {
///     batches.start_epoch(epoch);
///     for (int64_t i = 0; i < batches.num_batches(); ++i) svi.step(batches.batch(i));
///   }
class MnistBatches {
 public:
  /// Batches of `batch_size` (> 0) examples of `split`, returned on `device`; starts epoch 0.
  /// The split's tensors are shared, not copied.
  MnistBatches(const MnistSplit& split, int64_t batch_size, bool shuffle, torch::Device device,
               uint64_t seed = 0, int64_t rank = 0, int64_t world_size = 1);

  /// Number of examples in the split.
  int64_t size() const { return images_.size(0); }
  /// Number of batches per epoch, counting a smaller last batch.
  int64_t num_batches() const { return sampler_.num_batches(); }
  /// The epoch whose order batch() follows.
  int64_t epoch() const { return sampler_.epoch(); }

  /// Fixes the order for `epoch`: a permutation drawn from (seed, epoch) when shuffling, the order
  /// of the files otherwise.
  void start_epoch(int64_t epoch);

  /// Images of (this rank's part of) batch `i` (0 <= i < num_batches()): float32 in [0, 1],
  /// shape (B, rows * cols), on the device. Gathers the uint8 rows, copies them to the device, then
  /// converts.
  torch::Tensor batch(int64_t i) const;
  /// Labels of batch `i`: int64, shape (B), on the device.
  torch::Tensor labels(int64_t i) const;
  /// Positions in the split of the examples of batch `i`: int64, shape (B), on the CPU.
  torch::Tensor indices(int64_t i) const;

 private:
  torch::Tensor rows_of(const torch::Tensor& data, int64_t i) const;

  torch::Tensor images_;  // uint8 (N, rows * cols)
  torch::Tensor labels_;  // uint8 (N), or undefined
  distributed::DistributedSampler sampler_;
  torch::Device device_;
};

}  // namespace ppl::examples
