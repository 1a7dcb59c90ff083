#pragma once
// seed: runs a scope with the random generators seeded, then restores their previous state.

#include "ppl/core/messenger.h"

#include <vector>

namespace ppl::handlers {

/// Seeds the generator that ppl's draws use in this thread on construction and restores its
/// former state on destruction, so code after the scope draws as if the scope had not run.
/// Inside a `GeneratorScope` that is the scope's generator (one mechanism: seeding a thread
/// with its own generator leaves the other threads alone); otherwise LibTorch's default CPU
/// generator and every CUDA device's, which are process-wide: then do not seed in two threads
/// at once.
class SeedMessenger : public Messenger {
 public:
  [[nodiscard]] explicit SeedMessenger(uint64_t seed);
  ~SeedMessenger() override;

 private:
  std::vector<std::pair<at::Generator, torch::Tensor>> saved_states_;
};

template <class Fn>
auto seed(Fn fn, uint64_t seed) {
  return wrap_with<SeedMessenger>(std::move(fn), seed);
}

}  // namespace ppl::handlers
