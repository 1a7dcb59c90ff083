#include "ppl/handlers/replay.h"

#include <fmt/format.h>

namespace ppl::handlers {

void ReplayMessenger::process_message(Message& msg) {
  if (msg.type == MessageType::param || msg.is_observed || !trace_->contains(msg.name)) return;
  const Site& recorded = trace_->at(msg.name);
  if (recorded.type != msg.type || recorded.is_observed)
    throw std::runtime_error(
        fmt::format("replay: site '{}' must be {} in the trace", msg.name,
                    msg.type == MessageType::sample ? "sampled" : "subsampled"));
  msg.done = true;
  msg.value = recorded.value;
  msg.infer = recorded.infer;
  if (recorded.enumeration) {
    Enumeration& record = msg.enumeration_record();
    record.dim = recorded.enumeration->dim;
    record.dims.insert(recorded.enumeration->dims.begin(), recorded.enumeration->dims.end());
  }
}

}  // namespace ppl::handlers
