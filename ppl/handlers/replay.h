#pragma once
// replay: reuses the values a trace recorded (how the model sees the guide's draws).

#include "ppl/core/messenger.h"
#include "ppl/core/trace.h"

namespace ppl::handlers {

/// Gives each unobserved sample site the value of the same-named site in `trace` (which must
/// outlive the handler). std::runtime_error if that site is observed or not a sample site.
class ReplayMessenger : public Messenger {
 public:
  explicit ReplayMessenger(const Trace& trace) : trace_(&trace) { enter(); }
  void process_message(Message& msg) override;

 private:
  const Trace* trace_;
};

template <class Fn>
auto replay(Fn fn, Trace trace) {
  return [fn = std::move(fn), trace = std::move(trace)](auto&&... args) -> decltype(auto) {
    ReplayMessenger messenger(trace);
    return fn(std::forward<decltype(args)>(args)...);
  };
}

}  // namespace ppl::handlers
