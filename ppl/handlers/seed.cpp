#include "ppl/handlers/seed.h"

#include "ppl/core/generator.h"

#include <ATen/Context.h>
#include <torch/cuda.h>

#include <mutex>

namespace ppl::handlers {
namespace {

/// The generators ppl's draws use here: the scope's, or LibTorch's defaults (CPU and CUDA).
std::vector<at::Generator> generators_in_use() {
  if (current_generator()) return {*current_generator()};
  std::vector<at::Generator> generators{at::detail::getDefaultCPUGenerator()};
  for (size_t i = 0; i < torch::cuda::device_count(); ++i) {
    generators.push_back(at::globalContext().defaultGenerator(
        torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(i))));
  }
  return generators;
}

}  // namespace

SeedMessenger::SeedMessenger(uint64_t seed) {
  for (auto& generator : generators_in_use()) {
    std::lock_guard<std::mutex> lock(generator.mutex());
    saved_states_.emplace_back(generator, generator.get_state());
    generator.set_current_seed(seed);
  }
}

SeedMessenger::~SeedMessenger() {
  exit();
  for (auto& [generator, state] : saved_states_) {
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
  }
}

}  // namespace ppl::handlers
