#pragma once
// do: interventions (Pyro's poutine.do); `do` is a C++ keyword, hence `do_`.

#include "ppl/core/messenger.h"

namespace ppl::handlers {

/// For each sample site named in `data`: the site is still sampled as usual under its own name
/// (so traces see it), and the program continues with the intervened value, which is recorded
/// as the observed site "<name>__CF" by handlers inside this one only.
class DoMessenger : public Messenger {
 public:
  [[nodiscard]] explicit DoMessenger(TensorDict data) : data_(std::move(data)) {}
  void process_message(Message& msg) override;

 private:
  TensorDict data_;
  const Message* splitting_ = nullptr;  // the split-off original site, which passes this handler
};

template <class Fn>
auto do_(Fn fn, TensorDict data) {
  return wrap_with<DoMessenger>(std::move(fn), std::move(data));
}

}  // namespace ppl::handlers
