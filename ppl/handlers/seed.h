#pragma once
// seed: runs a scope with the random generators seeded, then restores their previous state.

#include "ppl/core/messenger.h"

#include <vector>

namespace ppl::handlers {

/// Seeds the default CPU generator (and every CUDA device's, when present) on construction and
/// restores their former states on destruction, so code after the scope draws as if the scope
/// had not run. The generators are process-wide: do not seed in two threads at once.
class SeedMessenger : public Messenger {
 public:
  explicit SeedMessenger(uint64_t seed);
  ~SeedMessenger() override;

 private:
  std::vector<std::pair<at::Generator, torch::Tensor>> saved_states_;
};

template <class Fn>
auto seed(Fn fn, uint64_t seed) {
  return wrap_with<SeedMessenger>(std::move(fn), seed);
}

}  // namespace ppl::handlers
