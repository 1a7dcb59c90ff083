#pragma once
// substitute: replaces param values (Pyro's poutine.substitute acts on param sites only).

#include "ppl/core/messenger.h"

namespace ppl::handlers {

/// Each param site named in `data` returns the given value instead of reading the param store.
class SubstituteMessenger : public Messenger {
 public:
  [[nodiscard]] explicit SubstituteMessenger(TensorDict data) : data_(std::move(data)) {}
  void process_message(Message& msg) override {
    if (msg.type != MessageType::param) return;
    auto it = data_.find(msg.name);
    if (it == data_.end()) return;
    msg.value = it->second;
    msg.done = true;
  }

 private:
  TensorDict data_;
};

template <class Fn>
auto substitute(Fn fn, TensorDict data) {
  return wrap_with<SubstituteMessenger>(std::move(fn), std::move(data));
}

}  // namespace ppl::handlers
