#include "ppl/handlers/mask.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::handlers {

MaskMessenger::MaskMessenger(torch::Tensor mask) : mask_(std::move(mask)) {
  if (!mask_.defined() || mask_.scalar_type() != torch::kBool) {
    throw std::invalid_argument(
        fmt::format("mask: expected a bool tensor, got {}",
                    mask_.defined() ? toString(mask_.scalar_type()) : "undefined"));
  }
}

}  // namespace ppl::handlers
