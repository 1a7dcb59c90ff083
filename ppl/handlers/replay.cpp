#include "ppl/handlers/replay.h"

#include <fmt/format.h>

namespace ppl::handlers {

void ReplayMessenger::process_message(Message& msg) {
  if (msg.type != MessageType::sample || msg.is_observed || !trace_->contains(msg.name)) return;
  const Site& recorded = trace_->at(msg.name);
  if (!recorded.is_sample() || recorded.is_observed)
    throw std::runtime_error(
        fmt::format("replay: site '{}' must be sampled in the trace", msg.name));
  msg.done = true;
  msg.value = recorded.value;
  msg.infer = recorded.infer;
  msg.enum_dims.insert(recorded.enum_dims.begin(), recorded.enum_dims.end());
}

}  // namespace ppl::handlers
