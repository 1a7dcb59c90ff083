#include "ppl/handlers/block.h"

#include <algorithm>
#include <stdexcept>

namespace ppl::handlers {
namespace {

template <class T>
bool contains(const std::vector<T>& items, const T& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

template <class T>
void check_disjoint(const std::vector<T>& a, const std::vector<T>& b, const char* what) {
  for (const auto& item : a)
    if (contains(b, item))
      throw std::invalid_argument(std::string("block: cannot hide and expose the same ") + what);
}

SitePredicate default_hide_fn(const BlockOptions& o) {
  bool hide_all = o.hide_all();
  const bool expose_all = o.expose_all();
  if (hide_all && expose_all) throw std::invalid_argument("block: cannot hide_all and expose_all");
  if (o.hide() || o.hide_types()) hide_all = false;
  if (o.expose() || o.expose_types()) hide_all = true;
  auto hide = o.hide().value_or(std::vector<std::string>{});
  auto expose = o.expose().value_or(std::vector<std::string>{});
  auto hide_types = o.hide_types().value_or(std::vector<MessageType>{});
  auto expose_types = o.expose_types().value_or(std::vector<MessageType>{});
  check_disjoint(hide, expose, "site");
  check_disjoint(hide_types, expose_types, "site type");
  return [=](const Message& msg) {
    const bool hidden = hide_all || contains(hide, msg.name) || contains(hide_types, msg.type);
    const bool exposed =
        expose_all || contains(expose, msg.name) || contains(expose_types, msg.type);
    return hidden && !exposed;
  };
}

}  // namespace

BlockMessenger::BlockMessenger(BlockOptions options) {
  if (options.hide_fn() && options.expose_fn())
    throw std::invalid_argument("block: give only one of hide_fn and expose_fn");
  if (options.hide_fn()) {
    hide_fn_ = options.hide_fn();
  } else if (options.expose_fn()) {
    hide_fn_ = [expose = options.expose_fn()](const Message& msg) { return !expose(msg); };
  } else {
    hide_fn_ = default_hide_fn(options);
  }
}

}  // namespace ppl::handlers
