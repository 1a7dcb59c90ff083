#include "ppl/handlers/enum.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::handlers {
namespace {

/// The whole support of `fn` along batch dim `dim`: shape (K, 1, ..., 1) + event_shape with
/// -dim batch dims.
torch::Tensor support_along(const dist::Distribution& fn, int64_t dim) {
  const torch::Tensor support = fn.enumerate_support(/*expand=*/false);
  std::vector<int64_t> shape(static_cast<size_t>(-dim), 1);
  shape[0] = support.size(0);
  for (int64_t size : fn.event_shape()) shape.push_back(size);
  return support.reshape(shape);
}

void check_enumerable(const Message& msg) {
  if (!msg.fn->has_enumerate_support())
    throw std::invalid_argument(
        fmt::format("sample site '{}' is marked for {} enumeration but its distribution {} has "
                    "no finite support to enumerate",
                    msg.name, enumeration_of(msg), msg.fn->name()));
}

}  // namespace

std::string enumeration_of(const Message& msg) {
  auto it = msg.infer.find("enumerate");
  if (it == msg.infer.end()) return "";
  const auto* strategy = std::get_if<std::string>(&it->second);
  return strategy ? *strategy : "";
}

std::optional<int64_t> enumerate_dim_of(const Message& msg) {
  return msg.enumeration ? msg.enumeration->dim : std::nullopt;
}

const std::map<int64_t, std::string>& enumeration_dims(const Message& msg) {
  static const std::map<int64_t, std::string> none;
  return msg.enumeration ? msg.enumeration->dims : none;
}

void check_enumeration_strategy(const std::string& strategy) {
  if (strategy != "parallel" && strategy != "sequential")
    throw std::invalid_argument(fmt::format(
        "config_enumerate: strategy must be \"parallel\" or \"sequential\", got \"{}\"", strategy));
}

ConfigEnumerateMessenger::ConfigEnumerateMessenger(std::string strategy)
    : strategy_(std::move(strategy)) {
  check_enumeration_strategy(strategy_);
}

void ConfigEnumerateMessenger::process_message(Message& msg) {
  if (msg.type != MessageType::sample || msg.is_observed || msg.infer.count("enumerate") ||
      !msg.fn->has_enumerate_support())
    return;
  msg.infer["enumerate"] = strategy_;
}

EnumMessenger::EnumMessenger(int64_t first_available_dim)
    : first_available_dim_(first_available_dim), leftmost_dim_(first_available_dim + 1) {
  if (first_available_dim >= 0)
    throw std::invalid_argument(fmt::format(
        "EnumMessenger: first_available_dim must be negative (-1 - max_plate_nesting), got {}",
        first_available_dim));
  reservation_.emplace(first_available_dim);
}

void EnumMessenger::process_message(Message& msg) {
  if (msg.type != MessageType::sample) return;
  // The dims this site may see: every global one, and those of the sites its markov steps show.
  Enumeration& record = msg.enumeration_record();
  auto& dims = record.dims;
  dims.insert(global_dims_.begin(), global_dims_.end());
  const auto& markov_scope = record.markov_scope;
  if (markov_scope) {
    for (const std::string& name : *markov_scope) {
      auto it = value_dims_.find(name);
      if (it != value_dims_.end()) dims.insert(it->second.begin(), it->second.end());
    }
  }
  if (msg.done || msg.is_observed || enumeration_of(msg) != "parallel") return;
  check_enumerable(msg);

  int64_t dim;
  if (markov_scope) {  // local: any dim no visible site uses
    dim = first_available_dim_;
    while (dims.count(dim)) --dim;
  } else {  // global: left of every dim used so far, never recycled
    dim = leftmost_dim_ - 1;
    global_dims_.emplace(dim, msg.name);
  }
  leftmost_dim_ = std::min(leftmost_dim_, dim);
  dims[dim] = msg.name;
  msg.value = support_along(*msg.fn, dim);
  record.dim = dim;
  msg.done = true;
}

void EnumMessenger::postprocess_message(Message& msg) {
  if (msg.type != MessageType::sample || msg.is_observed || !msg.value.defined()) return;
  // The dims later sites can read off this value (those of its batch part with size > 1).
  const int64_t batch_dims = msg.value.dim() - msg.fn->event_dim();
  auto& value_dims = value_dims_[msg.name];
  value_dims.clear();
  for (const auto& [dim, name] : enumeration_dims(msg))
    if (batch_dims >= -dim && msg.value.size(dim - msg.fn->event_dim()) > 1)
      value_dims.emplace(dim, name);
}

void SequentialEnumMessenger::process_message(Message& msg) {
  if (msg.type != MessageType::sample || msg.done || msg.is_observed ||
      enumeration_of(msg) != "sequential")
    return;
  check_enumerable(msg);
  const torch::Tensor support = msg.fn->enumerate_support(/*expand=*/false);
  if (position_ == choices_.size()) {
    choices_.push_back({msg.name, 0, support.size(0)});
  } else if (choices_[position_].name != msg.name) {
    throw std::runtime_error(fmt::format(
        "sequential enumeration: expected site '{}' at position {}, found '{}'; the program "
        "must meet its sequentially enumerated sites in the same order on every run",
        choices_[position_].name, position_, msg.name));
  }
  msg.value = support[choices_[position_].index];
  msg.done = true;
  ++position_;
}

void enumerate_sequentially(const std::function<void()>& run) {
  std::vector<SequentialChoice> choices;
  while (true) {
    {
      SequentialEnumMessenger enumerate(choices);
      run();
      choices = enumerate.choices();
    }
    // The next combination, as an odometer over the choices in program order.
    while (!choices.empty() && ++choices.back().index == choices.back().size) choices.pop_back();
    if (choices.empty()) return;
  }
}

}  // namespace ppl::handlers
