#include "ppl/handlers/lift.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::handlers {

LiftMessenger::LiftMessenger(dist::DistributionPtr prior) : prior_(std::move(prior)) {
  if (!prior_) throw std::invalid_argument("lift: the prior is null");
}

LiftMessenger::LiftMessenger(PriorMap priors) : priors_(std::move(priors)) {
  for (const auto& [name, prior] : priors_)
    if (!prior) throw std::invalid_argument(fmt::format("lift: the prior of '{}' is null", name));
}

void LiftMessenger::process_message(Message& msg) {
  if (msg.type != MessageType::param) return;
  dist::DistributionPtr prior = prior_;
  if (!prior) {
    auto it = priors_.find(msg.name);
    if (it == priors_.end()) return;
    prior = it->second;
  }
  msg.type = MessageType::sample;
  msg.fn = std::move(prior);
  msg.infer.clear();
  msg.param_init = nullptr;
  msg.constraint = nullptr;
  auto drawn = drawn_.find(msg.name);
  if (drawn == drawn_.end()) {
    drawn_.emplace(msg.name, torch::Tensor());  // filled in postprocess_message
    msg.is_observed = false;
    return;
  }
  // The same param again: the first draw, recorded once.
  msg.value = drawn->second;
  msg.is_observed = true;
  msg.stop = true;
}

void LiftMessenger::postprocess_message(Message& msg) {
  if (msg.type != MessageType::sample) return;
  auto drawn = drawn_.find(msg.name);
  if (drawn != drawn_.end() && !drawn->second.defined()) drawn->second = msg.value;
}

}  // namespace ppl::handlers
