#include "examples/common/training_loop.h"

#include "examples/common/progress.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <fmt/format.h>
#include <torch/cuda.h>

#include <stdexcept>

namespace ppl::examples {

torch::Device training_device(const std::string& name) {
  const torch::Device device(name);
  if (device.is_cuda() && !torch::cuda::is_available())
    throw std::runtime_error(
        "--device cuda was asked for, but this build of LibTorch sees no CUDA device");
  return device;
}

at::Generator evaluation_generator(const torch::Device& device, uint64_t seed, int64_t rank) {
  constexpr uint64_t kOffset = 0x9e3779b97f4a7c15;  // keeps it apart from the training's seeds
  const uint64_t evaluation_seed = seed + static_cast<uint64_t>(rank) + kOffset;
  if (!device.is_cuda()) return at::make_generator<at::CPUGeneratorImpl>(evaluation_seed);
  // A CPU build cannot name CUDA's generator type, so a CUDA one is a copy of the device's. In
  // LibTorch 1.13 GeneratorImpl::clone keeps an extra weak reference: the copy, one per run, is
  // never freed.
  at::Generator generator = at::globalContext().defaultGenerator(device).clone();
  generator.set_current_seed(evaluation_seed);
  return generator;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

EpochMetrics train_epoch(MnistBatches& batches, int64_t epoch, bool progress,
                         const std::function<double(int64_t)>& step) {
  const auto start = std::chrono::steady_clock::now();
  batches.start_epoch(epoch);
  ProgressBar bar(fmt::format("[epoch {:03d}]", epoch), batches.num_batches(), progress);
  double loss = 0;
  for (int64_t i = 0; i < batches.num_batches(); ++i) {
    loss += step(i);
    bar.update(i + 1);
  }
  bar.finish();
  EpochMetrics metrics;
  metrics.epoch = epoch;
  metrics.train_loss = loss / static_cast<double>(batches.size());
  metrics.train_seconds = seconds_since(start);
  return metrics;
}

double test_loss(const MnistBatches& batches, const std::function<double(int64_t)>& loss) {
  double sum = 0;
  for (int64_t i = 0; i < batches.num_batches(); ++i) sum += loss(i);
  return sum / static_cast<double>(batches.size());
}

}  // namespace ppl::examples
