#include "ppl/handlers/markov.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace ppl::handlers {

struct markov::iterator::Step : Messenger {
  std::vector<std::vector<std::string>>& steps;
  int64_t index;
  int64_t history;
  Step(std::vector<std::vector<std::string>>& s, int64_t i, int64_t h)
      : steps(s), index(i), history(h) {}
  void process_message(Message& msg) override {
    if (msg.type != MessageType::sample || msg.is_subsample) return;
    auto& scope = msg.markov_scope;
    if (!scope) scope.emplace();
    for (int64_t t = std::max<int64_t>(0, index - history); t <= index; ++t)
      scope->insert(scope->end(), steps[t].begin(), steps[t].end());
    steps[index].push_back(msg.name);
  }
};

markov::markov(int64_t size, int64_t history) : size_(size), history_(history) {
  if (size < 0) throw std::invalid_argument(fmt::format("markov: size must be >= 0, got {}", size));
  if (history < 0)
    throw std::invalid_argument(fmt::format("markov: history must be >= 0, got {}", history));
}

markov::iterator::iterator(const markov* range, int64_t index) : range_(range), index_(index) {
  enter_step();
}

void markov::iterator::enter_step() {
  step_.reset();
  if (!range_ || index_ >= range_->size_) return;
  auto& steps = range_->steps_;
  if (index_ == 0) steps.clear();  // a new pass over the loop
  steps.resize(static_cast<size_t>(index_) + 1);
  step_ = std::make_shared<Step>(steps, index_, range_->history_);
}

markov::iterator& markov::iterator::operator++() {
  ++index_;
  enter_step();
  return *this;
}

}  // namespace ppl::handlers
