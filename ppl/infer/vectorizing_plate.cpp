#include "ppl/infer/vectorizing_plate.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::infer {

void VectorizingPlate::postprocess_message(Message& msg) {
  if (msg.type != MessageType::sample) return;
  last_site_ = msg.name;
  last_batch_shape_ = msg.fn->batch_shape();
}

void VectorizingPlate::rethrow_with_note(const std::exception& e) const {
  const std::string last = last_site_.empty()
                               ? "no sample site had been reached"
                               : fmt::format("the last sample site, '{}', has batch shape {}",
                                             last_site_, dist::shape_str(last_batch_shape_));
  // LibTorch's errors end with C++ frames; the note goes after the message itself.
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  const std::string text = fmt::format(
      "{}\n(the program ran vectorized by {}: every site is inside plate '{}' of size {} at dim "
      "{}, left of the program's own plates; {}. The program must broadcast over that dim: "
      "index and reduce from the right, x[..., i] and x.sum(-1), not x[i], x.sum() or reshape)",
      torch_error ? torch_error->what_without_backtrace() : e.what(), purpose_, name(), size(),
      dim(), last);
  if (dynamic_cast<const std::invalid_argument*>(&e)) throw std::invalid_argument(text);
  if (dynamic_cast<const std::out_of_range*>(&e)) throw std::out_of_range(text);
  if (dynamic_cast<const std::logic_error*>(&e)) throw std::logic_error(text);
  throw std::runtime_error(text);
}

}  // namespace ppl::infer
