#include "ppl/handlers/do.h"

namespace ppl::handlers {

void DoMessenger::process_message(Message& msg) {
  if (msg.type != MessageType::sample || &msg == splitting_) return;
  auto it = data_.find(msg.name);
  if (it == data_.end() || !it->second.defined()) return;
  // Split the node: the original site runs through the whole stack (skipping this handler)...
  // Handlers inside this one already added their plates, scale and mask: let them add them anew.
  Message original = msg;
  original.cond_indep_stack.clear();
  original.scale = 1.0;
  original.mask = torch::Tensor();
  splitting_ = &original;
  try {
    apply_stack(original);
  } catch (...) {
    splitting_ = nullptr;
    throw;
  }
  splitting_ = nullptr;
  // ...and the program sees the intervention under a mangled name, hidden from outer handlers.
  msg.name += "__CF";
  msg.value = it->second;
  msg.is_observed = true;
  msg.stop = true;
}

}  // namespace ppl::handlers
