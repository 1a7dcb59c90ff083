#pragma once
// block: hides sites from the handlers outside it.

#include "ppl/core/messenger.h"

#include <torch/arg.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ppl::handlers {

using SitePredicate = std::function<bool(const Message&)>;

/// Which sites to hide, as Pyro's `poutine.block` arguments. By default everything is hidden;
/// naming sites or types to hide hides only those; naming sites or types to expose hides all
/// others. Naming the same site (or type) in both is an error.
struct BlockOptions {
  TORCH_ARG(SitePredicate, hide_fn) = nullptr;
  TORCH_ARG(SitePredicate, expose_fn) = nullptr;
  TORCH_ARG(bool, hide_all) = true;
  TORCH_ARG(bool, expose_all) = false;
  /// The sites to hide (`BlockOptions().hide({"z"})`) or to expose.
 public:  // TORCH_ARG leaves the access private
  BlockOptions& hide(std::vector<std::string> names) {
    hide_ = std::move(names);
    return *this;
  }
  BlockOptions& expose(std::vector<std::string> names) {
    expose_ = std::move(names);
    return *this;
  }
  const std::optional<std::vector<std::string>>& hide() const { return hide_; }
  const std::optional<std::vector<std::string>>& expose() const { return expose_; }
  TORCH_ARG(std::optional<std::vector<MessageType>>, hide_types);
  TORCH_ARG(std::optional<std::vector<MessageType>>, expose_types);

 private:
  std::optional<std::vector<std::string>> hide_;
  std::optional<std::vector<std::string>> expose_;
};

/// Stops hidden messages here: handlers outside never see them.
class BlockMessenger : public Messenger {
 public:
  [[nodiscard]] explicit BlockMessenger(BlockOptions options = {});
  void process_message(Message& msg) override {
    if (hide_fn_(msg)) msg.stop = true;
  }

 private:
  SitePredicate hide_fn_;
};

/// What `block(fn, options)` returns: `fn` run under a BlockMessenger, a type a helper can name
/// (`handlers::Blocked<Model> hide_z(Model model)`).
template <class Fn>
using Blocked = Handled<BlockMessenger, Fn, BlockOptions>;

template <class Fn>
Blocked<Fn> block(Fn fn, BlockOptions options = {}) {
  return wrap_with<BlockMessenger>(std::move(fn), std::move(options));
}

}  // namespace ppl::handlers
