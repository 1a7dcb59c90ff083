#pragma once
// replay: reuses the values a trace recorded (how the model sees the guide's draws).

#include "ppl/core/messenger.h"
#include "ppl/core/trace.h"

namespace ppl::handlers {

/// Gives each unobserved sample site the value of the same-named site in `trace` (which must
/// outlive the handler). std::runtime_error if that site is observed or not a sample site.
class ReplayMessenger : public Messenger {
 public:
  [[nodiscard]] explicit ReplayMessenger(const Trace& trace) : trace_(&trace) {}
  void process_message(Message& msg) override;

 private:
  const Trace* trace_;
};

template <class Fn>
auto replay(Fn fn, Trace trace) {
  return wrap_with<ReplayMessenger>(std::move(fn), std::move(trace));
}

}  // namespace ppl::handlers
