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

namespace ppl::dist {
namespace {

struct DeferredArgumentErrors {
  bool active = false;
  std::optional<std::string> error;
};

DeferredArgumentErrors& deferred() {
  thread_local DeferredArgumentErrors state;
  return state;
}

}  // namespace

DeferArgumentErrors::DeferArgumentErrors()
    : previous_active_(deferred().active), previous_error_(std::move(deferred().error)) {
  deferred().active = true;
  deferred().error.reset();
}

DeferArgumentErrors::~DeferArgumentErrors() {
  deferred().active = previous_active_;
  deferred().error = std::move(previous_error_);
}

bool defer_argument_error(const std::string& error) {
  DeferredArgumentErrors& state = deferred();
  if (!state.active) return false;
  if (!state.error) state.error = error;
  return true;
}

std::optional<std::string> take_argument_error() {
  DeferredArgumentErrors& state = deferred();
  if (!state.error) return std::nullopt;
  std::optional<std::string> error = std::move(state.error);
  state.error.reset();
  return error;
}

}  // namespace ppl::dist
