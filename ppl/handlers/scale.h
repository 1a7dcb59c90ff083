#pragma once
// scale: multiplies the log-probs of the sites inside by a positive factor.

#include "ppl/core/messenger.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::handlers {

class ScaleMessenger : public Messenger {
 public:
  [[nodiscard]] explicit ScaleMessenger(double scale) : scale_(scale) {
    if (!(scale > 0))
      throw std::invalid_argument(
          fmt::format("scale: expected scale > 0 but got {}; use mask to drop terms", scale));
  }
  void process_message(Message& msg) override { msg.scale *= scale_; }

 private:
  double scale_;
};

template <class Fn>
auto scale(Fn fn, double factor) {
  return wrap_with<ScaleMessenger>(std::move(fn), factor);
}

}  // namespace ppl::handlers
