#pragma once
// Which examples each process trains on: PyTorch's DistributedSampler under a batch sampler.

#include <torch/types.h>

#include <cstdint>
#include <utility>

namespace ppl::distributed {

/// Minibatch positions for data-parallel training. For epoch e every rank uses the same order
/// of 0..size-1: a permutation drawn from (seed, e) with a private generator, or 0..size-1
/// without shuffling. Global batch i holds positions [i * batch_size, (i + 1) * batch_size) of
/// that order, the last possibly smaller (a DataLoader with drop_last=False); rank r takes the
/// r-th of world_size contiguous parts of it, whose lengths differ by at most one (the first
/// ones longer). With world_size 1 the rank's batch is the global batch, so one process with
/// batch B and W processes with global batch B see the same examples at each step.
class DistributedSampler {
 public:
  /// std::invalid_argument unless size >= 0, batch_size >= 1 and 0 <= rank < world_size.
  DistributedSampler(int64_t size, int64_t batch_size, int64_t rank = 0, int64_t world_size = 1,
                     bool shuffle = true, uint64_t seed = 0);

  int64_t size() const { return size_; }
  int64_t batch_size() const { return batch_size_; }
  int64_t rank() const { return rank_; }
  int64_t world_size() const { return world_size_; }
  bool shuffle() const { return shuffle_; }
  /// Global batches per epoch, counting a smaller last one.
  int64_t num_batches() const { return (size_ + batch_size_ - 1) / batch_size_; }
  int64_t epoch() const { return epoch_; }

  /// Fixes the order for `epoch` (independent of what ran before: resuming reproduces it).
  void start_epoch(int64_t epoch);

  /// Positions of global batch `i`: int64, on the CPU.
  torch::Tensor global_indices(int64_t i) const;
  /// This rank's part of global batch `i`: int64, on the CPU (possibly empty when the batch has
  /// fewer examples than there are ranks).
  torch::Tensor indices(int64_t i) const;
  /// Where this rank's part starts in the epoch's order, and its length.
  std::pair<int64_t, int64_t> span(int64_t i) const;

 private:
  int64_t global_length(int64_t i) const;
  /// Entries [start, start + length) of the epoch's order.
  torch::Tensor positions(int64_t start, int64_t length) const;

  int64_t size_;
  int64_t batch_size_;
  int64_t rank_;
  int64_t world_size_;
  bool shuffle_;
  uint64_t seed_;
  int64_t epoch_ = 0;
  torch::Tensor order_;  // this epoch's permutation; undefined without shuffling
};

}  // namespace ppl::distributed
