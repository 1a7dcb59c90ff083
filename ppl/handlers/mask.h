#pragma once
// mask: zeroes the log-probs of the sites inside where a boolean mask is false.

#include "ppl/core/messenger.h"

namespace ppl::handlers {

class MaskMessenger : public Messenger {
 public:
  /// `mask` is a boolean tensor broadcast against each site's log-prob.
  [[nodiscard]] explicit MaskMessenger(torch::Tensor mask);
  /// A constant mask: false drops every log-prob inside, true changes nothing.
  [[nodiscard]] explicit MaskMessenger(bool mask) : MaskMessenger(torch::tensor(mask)) {}
  void process_message(Message& msg) override {
    msg.mask = msg.mask.defined() ? msg.mask.logical_and(mask_) : mask_;
  }

 private:
  torch::Tensor mask_;
};

template <class Fn>
auto mask(Fn fn, torch::Tensor mask) {
  return wrap_with<MaskMessenger>(std::move(fn), std::move(mask));
}

}  // namespace ppl::handlers
