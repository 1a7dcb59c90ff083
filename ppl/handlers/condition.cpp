#include "ppl/handlers/condition.h"

namespace ppl::handlers {

ConditionMessenger::ConditionMessenger(const Trace& trace) {
  for (const Site& site : trace.sites())
    if (site.is_sample()) data_.emplace(site.name, site.value);
}

void ConditionMessenger::process_message(Message& msg) {
  if (msg.type != MessageType::sample) return;
  auto it = data_.find(msg.name);
  if (it == data_.end()) return;
  msg.value = it->second;
  msg.is_observed = msg.value.defined();
}

}  // namespace ppl::handlers
