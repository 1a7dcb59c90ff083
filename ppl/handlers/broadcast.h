#pragma once
// broadcast: expands each sample site's distribution to the sizes of its plates.

#include "ppl/core/messenger.h"

namespace ppl::handlers {

/// Pyro's poutine.broadcast: applies `broadcast_to_plates` (plate.h) to every sample site that
/// reaches it, with the plate frames recorded by the handlers inside it. Every `ppl::plate`
/// already does this for its own sites; the standalone form is for frames added by other
/// handlers.
class BroadcastMessenger : public Messenger {
 public:
  [[nodiscard]] BroadcastMessenger() {}
  void process_message(Message& msg) override;
};

template <class Fn>
auto broadcast(Fn fn) {
  return wrap_with<BroadcastMessenger>(std::move(fn));
}

}  // namespace ppl::handlers
