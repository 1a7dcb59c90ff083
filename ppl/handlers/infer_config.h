#pragma once
// infer_config: sets per-site inference options (the `infer` dict) from a function of the site.

#include "ppl/core/messenger.h"

#include <functional>

namespace ppl::handlers {

/// Computes the options of a site from its message.
using InferConfigFn = std::function<InferDict(const Message&)>;

/// Pyro's poutine.infer_config: merges `config_fn(msg)` into `msg.infer` at every sample and
/// param site, its entries replacing those of the same key.
class InferConfigMessenger : public Messenger {
 public:
  [[nodiscard]] explicit InferConfigMessenger(InferConfigFn config_fn);
  void process_message(Message& msg) override;

 private:
  InferConfigFn config_fn_;
};

template <class Fn>
auto infer_config(Fn fn, InferConfigFn config_fn) {
  return wrap_with<InferConfigMessenger>(std::move(fn), std::move(config_fn));
}

}  // namespace ppl::handlers
