#pragma once
// Effect handlers: the thread-local handler stack and `apply_stack` (Pyro's poutine runtime).

#include "ppl/core/message.h"

#include <tuple>
#include <utility>
#include <vector>

namespace ppl {

/// Base of every effect handler. Constructing a handler installs it (this base's constructor
/// pushes it on the thread's stack) and destroying it removes it, also when an exception
/// unwinds: the object's scope is the handler's scope, like Python's `with`. A concrete handler
/// marks its constructors [[nodiscard]], so that a temporary (`ScaleMessenger(0.5);`, a no-op
/// scope) is a compiler warning.
class Messenger {
 public:
  Messenger(const Messenger&) = delete;
  Messenger& operator=(const Messenger&) = delete;
  virtual ~Messenger() { exit(); }

  /// Called innermost handler first; set `msg.stop` to hide the message from outer handlers.
  virtual void process_message(Message& /*msg*/) {}
  /// Called after the default behaviour, from the outermost visited handler to the innermost.
  virtual void postprocess_message(Message& /*msg*/) {}

  /// Pushes this handler on the current thread's stack again after `exit()`; std::logic_error
  /// if it is installed.
  void enter();
  /// Removes this handler from the stack (no-op when not installed).
  void exit() noexcept;
  bool installed() const { return installed_; }

 protected:
  Messenger() { enter(); }

 private:
  bool installed_ = false;
};

/// Installs an existing handler for this object's lifetime: re-enters a handler that was exited,
/// as a second `with handler:` in Python. std::logic_error if the handler is installed.
class Reentry {
 public:
  [[nodiscard]] explicit Reentry(Messenger& handler) : handler_(&handler) { handler.enter(); }
  Reentry(Reentry&& other) noexcept : handler_(std::exchange(other.handler_, nullptr)) {}
  Reentry& operator=(Reentry&&) = delete;
  ~Reentry() {
    if (handler_) handler_->exit();
  }

 private:
  Messenger* handler_;
};

/// The current thread's handlers, outermost first.
const std::vector<Messenger*>& handler_stack();

/// Sends `msg` through the current thread's handlers and applies the default behaviour:
/// a sample site draws with `rsample` when available (else `sample`) unless it has a value or
/// is done; a param site reads the active param store.
void apply_stack(Message& msg);

/// `fn` run inside a handler of type M built from copies of `messenger_args` at each call: the
/// function-wrapping form of every handler (`replay(model, trace)(x)`). The type has a name, so
/// a helper can return a wrapped model: `handlers::Blocked<Model> hide_z(Model model)`.
template <class M, class Fn, class... MessengerArgs>
class Handled {
 public:
  explicit Handled(Fn fn, MessengerArgs... messenger_args)
      : fn_(std::move(fn)), messenger_args_(std::move(messenger_args)...) {}

  template <class... Args>
  decltype(auto) operator()(Args&&... args) const {
    M messenger = std::make_from_tuple<M>(messenger_args_);
    return fn_(std::forward<Args>(args)...);
  }

 private:
  Fn fn_;
  std::tuple<MessengerArgs...> messenger_args_;
};

/// `Handled<M, Fn, MessengerArgs...>(fn, messenger_args...)`.
template <class M, class Fn, class... MessengerArgs>
Handled<M, Fn, MessengerArgs...> wrap_with(Fn fn, MessengerArgs... messenger_args) {
  return Handled<M, Fn, MessengerArgs...>(std::move(fn), std::move(messenger_args)...);
}

}  // namespace ppl
