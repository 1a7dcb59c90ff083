#include "ppl/distributions/validation.h"

#include <atomic>

namespace ppl {
namespace {

std::atomic<bool> validation_enabled{true};

}  // namespace

void enable_validation(bool enabled) {
  validation_enabled.store(enabled, std::memory_order_relaxed);
}

bool is_validation_enabled() {
  return validation_enabled.load(std::memory_order_relaxed);
}

}  // namespace ppl
