#pragma once
// trace: records every site of an execution.

#include "ppl/core/messenger.h"
#include "ppl/core/trace.h"

namespace ppl::handlers {

/// Records each message that reaches it, in program order. With `param_only`, only param sites.
class TraceMessenger : public Messenger {
 public:
  explicit TraceMessenger(bool param_only = false) : param_only_(param_only) { enter(); }
  void postprocess_message(Message& msg) override {
    if (!param_only_ || msg.type == MessageType::param) trace_.add(msg);
  }
  const Trace& trace() const { return trace_; }
  Trace& trace() { return trace_; }

 private:
  bool param_only_;
  Trace trace_;
};

/// The function-wrapping form: `trace(model).get_trace(x)`.
template <class Fn>
class TraceHandler {
 public:
  TraceHandler(Fn fn, bool param_only) : fn_(std::move(fn)), param_only_(param_only) {}

  /// Runs the function and returns its trace.
  template <class... Args>
  Trace get_trace(Args&&... args) const {
    TraceMessenger messenger(param_only_);
    fn_(std::forward<Args>(args)...);
    return std::move(messenger.trace());
  }

 private:
  Fn fn_;
  bool param_only_;
};

template <class Fn>
TraceHandler<Fn> trace(Fn fn, bool param_only = false) {
  return TraceHandler<Fn>(std::move(fn), param_only);
}

}  // namespace ppl::handlers
