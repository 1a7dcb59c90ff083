#include "ppl/distributed/sampler.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace ppl::distributed {
namespace {

/// SplitMix64's finaliser: spreads nearby seeds and epochs over unrelated generator seeds.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

DistributedSampler::DistributedSampler(int64_t size, int64_t batch_size, int64_t rank,
                                       int64_t world_size, bool shuffle, uint64_t seed)
    : size_(size),
      batch_size_(batch_size),
      rank_(rank),
      world_size_(world_size),
      shuffle_(shuffle),
      seed_(seed) {
  if (size < 0 || batch_size < 1 || world_size < 1 || rank < 0 || rank >= world_size)
    throw std::invalid_argument(fmt::format(
        "DistributedSampler: expected size >= 0, batch_size >= 1 and 0 <= rank < world_size, "
        "got size {}, batch_size {}, rank {}, world_size {}",
        size, batch_size, rank, world_size));
  start_epoch(0);
}

void DistributedSampler::start_epoch(int64_t epoch) {
  epoch_ = epoch;
  if (!shuffle_) return;
  auto generator = at::detail::createCPUGenerator(mix(seed_ ^ mix(static_cast<uint64_t>(epoch))));
  order_ = torch::randperm(size_, generator, torch::kLong);
}

int64_t DistributedSampler::global_length(int64_t i) const {
  if (i < 0 || i >= num_batches())
    throw std::invalid_argument(
        fmt::format("DistributedSampler: batch {} out of range [0, {})", i, num_batches()));
  return std::min(batch_size_, size_ - i * batch_size_);
}

torch::Tensor DistributedSampler::positions(int64_t start, int64_t length) const {
  if (order_.defined()) return order_.narrow(0, start, length);
  return torch::arange(start, start + length, torch::kLong);
}

std::pair<int64_t, int64_t> DistributedSampler::span(int64_t i) const {
  const int64_t length = global_length(i);
  const int64_t base = length / world_size_;
  const int64_t longer = length % world_size_;  // the first `longer` ranks take one more
  const int64_t start = i * batch_size_ + rank_ * base + std::min(rank_, longer);
  return {start, base + (rank_ < longer ? 1 : 0)};
}

torch::Tensor DistributedSampler::global_indices(int64_t i) const {
  return positions(i * batch_size_, global_length(i));
}

torch::Tensor DistributedSampler::indices(int64_t i) const {
  const auto [start, length] = span(i);
  return positions(start, length);
}

}  // namespace ppl::distributed
