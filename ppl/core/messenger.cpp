#include "ppl/core/messenger.h"

#include "ppl/core/generator.h"
#include "ppl/params/param_store.h"

#include <algorithm>
#include <stdexcept>

namespace ppl {
namespace {

std::vector<Messenger*>& stack() {
  thread_local std::vector<Messenger*> handlers;
  return handlers;
}

void default_process_message(Message& msg) {
  if (msg.done || msg.value.defined()) {
    msg.done = true;
    return;
  }
  if (msg.type == MessageType::param) {
    msg.value = param_store().get_param(msg.name, msg.param_init, msg.constraint);
  } else {
    msg.value = msg.fn->draw({}, current_generator());
  }
  msg.done = true;
}

}  // namespace

void Messenger::enter() {
  if (installed_) throw std::logic_error("cannot install a handler twice");
  stack().push_back(this);
  installed_ = true;
}

void Messenger::exit() noexcept {
  if (!installed_) return;
  auto& handlers = stack();
  // Normally this handler is on top; erase it wherever it is so the stack stays consistent.
  auto it = std::find(handlers.rbegin(), handlers.rend(), this);
  if (it != handlers.rend()) handlers.erase(std::next(it).base());
  installed_ = false;
}

const std::vector<Messenger*>& handler_stack() {
  return stack();
}

void apply_stack(Message& msg) {
  const auto& handlers = stack();
  const size_t size = handlers.size();
  size_t visited = 0;
  while (visited < size) {
    handlers[size - 1 - visited]->process_message(msg);
    ++visited;
    if (msg.stop) break;
  }
  default_process_message(msg);
  for (size_t i = size - visited; i < size; ++i) handlers[i]->postprocess_message(msg);
}

}  // namespace ppl
