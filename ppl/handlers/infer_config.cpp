#include "ppl/handlers/infer_config.h"

#include <stdexcept>

namespace ppl::handlers {

InferConfigMessenger::InferConfigMessenger(InferConfigFn config_fn)
    : config_fn_(std::move(config_fn)) {
  if (!config_fn_) throw std::invalid_argument("infer_config: config_fn is empty");
}

void InferConfigMessenger::process_message(Message& msg) {
  for (auto& [key, value] : config_fn_(msg)) msg.infer[key] = std::move(value);
}

}  // namespace ppl::handlers
