#include "ppl/core/validation.h"

#include "ppl/distributions/distribution.h"

#include <atomic>

namespace ppl {
namespace {

std::atomic<bool> inference_checks{true};

}  // namespace

void enable_validation(bool enabled) {
  inference_checks.store(enabled, std::memory_order_relaxed);
  dist::set_validation_enabled(enabled);
}

bool is_validation_enabled() {
  return inference_checks.load(std::memory_order_relaxed);
}

}  // namespace ppl
