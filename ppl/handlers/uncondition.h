#pragma once
// uncondition: samples observed sites instead of observing them.

#include "ppl/core/messenger.h"

namespace ppl::handlers {

/// Every observed sample site inside is drawn from its distribution instead; the observation is
/// kept in `infer["obs"]` and `infer["was_observed"]` is set.
class UnconditionMessenger : public Messenger {
 public:
  [[nodiscard]] UnconditionMessenger() {}
  void process_message(Message& msg) override {
    if (msg.type != MessageType::sample || !msg.is_observed) return;
    msg.is_observed = false;
    msg.infer["was_observed"] = true;
    msg.infer["obs"] = msg.value;
    msg.value = torch::Tensor();
    msg.done = false;
  }
};

template <class Fn>
auto uncondition(Fn fn) {
  return wrap_with<UnconditionMessenger>(std::move(fn));
}

}  // namespace ppl::handlers
