#pragma once
// condition: turns sample sites into observations.

#include "ppl/core/messenger.h"
#include "ppl/core/trace.h"

namespace ppl::handlers {

/// Observes each sample site named in `data` at the given value.
class ConditionMessenger : public Messenger {
 public:
  [[nodiscard]] explicit ConditionMessenger(TensorDict data) : data_(std::move(data)) {}
  /// Conditions on the values of the sample sites of `trace`.
  [[nodiscard]] explicit ConditionMessenger(const Trace& trace);
  void process_message(Message& msg) override;

 private:
  TensorDict data_;
};

template <class Fn>
auto condition(Fn fn, TensorDict data) {
  return wrap_with<ConditionMessenger>(std::move(fn), std::move(data));
}

}  // namespace ppl::handlers
