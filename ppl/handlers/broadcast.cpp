#include "ppl/handlers/broadcast.h"

#include "ppl/core/plate.h"

namespace ppl::handlers {

void BroadcastMessenger::process_message(Message& msg) {
  broadcast_to_plates(msg);
}

}  // namespace ppl::handlers
