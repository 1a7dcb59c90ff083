#pragma once
// trace: records every site of an execution.

#include "ppl/core/messenger.h"
#include "ppl/core/trace.h"

#include <string>
#include <utility>

namespace ppl::handlers {

/// Records each message that reaches it, in program order. With `param_only`, only param sites
/// (what an SVI step hands to the optimizer, as Pyro's param-only trace).
class TraceMessenger : public Messenger {
 public:
  [[nodiscard]] explicit TraceMessenger(bool param_only = false) : param_only_(param_only) {}
  void postprocess_message(Message& msg) override {
    if (!param_only_ || msg.type == MessageType::param) trace_.add(msg);
  }
  const Trace& trace() const { return trace_; }
  Trace& trace() { return trace_; }

 private:
  bool param_only_;
  Trace trace_;
};

/// Rethrows the exception being handled as one that says where it happened: `program` ("model",
/// "guide") failed after the last site of `trace`, the original message, and the trace's table
/// of site shapes (as Pyro's trace). The category is kept: std::invalid_argument,
/// std::out_of_range and std::logic_error stay what they are, anything else (a LibTorch error
/// among them, without its C++ frames) becomes std::runtime_error. An exception rethrown so
/// once passes unchanged through enclosing traced programs.
[[noreturn]] void rethrow_in_program(const std::string& program, const Trace& trace);

/// Runs `fn()` under `tracer`, which is installed, as the traced `program` ("model", "guide"):
/// what it throws comes out through `rethrow_in_program` (a distribution built with an invalid
/// argument: "model failed after sample site 'z': Normal: argument 'scale' must be positive...").
template <class Fn>
void run_traced(TraceMessenger& tracer, const std::string& program, Fn&& fn) {
  try {
    std::forward<Fn>(fn)();
  } catch (...) {
    rethrow_in_program(program, tracer.trace());
  }
}

/// The function-wrapping form: `trace(model).get_trace(x)`.
template <class Fn>
class TraceHandler {
 public:
  TraceHandler(Fn fn, bool param_only, std::string program)
      : fn_(std::move(fn)), param_only_(param_only), program_(std::move(program)) {}

  /// Runs the function and returns its trace; errors as `run_traced`.
  template <class... Args>
  Trace get_trace(Args&&... args) const {
    TraceMessenger messenger(param_only_);
    run_traced(messenger, program_, [&] { fn_(std::forward<Args>(args)...); });
    return std::move(messenger.trace());
  }

 private:
  Fn fn_;
  bool param_only_;
  std::string program_;
};

/// `trace(model).get_trace(x)`; `program` names the function in error messages.
template <class Fn>
TraceHandler<Fn> trace(Fn fn, bool param_only = false, std::string program = "program") {
  return TraceHandler<Fn>(std::move(fn), param_only, std::move(program));
}

}  // namespace ppl::handlers
