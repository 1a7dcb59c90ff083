#include "ppl/handlers/markov.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace ppl::handlers {

namespace {

struct Step : Messenger {
  std::vector<std::vector<std::string>>& steps;
  int64_t index;
  int64_t history;
  Step(std::vector<std::vector<std::string>>& s, int64_t i, int64_t h)
      : steps(s), index(i), history(h) {}
  void process_message(Message& msg) override {
    if (msg.type != MessageType::sample) return;
    auto& scope = msg.enumeration_record().markov_scope;
    if (!scope) scope.emplace();
    for (int64_t t = std::max<int64_t>(0, index - history); t <= index; ++t)
      scope->insert(scope->end(), steps[t].begin(), steps[t].end());
    steps[index].push_back(msg.name);
  }
};

}  // namespace

markov::markov(int64_t size, int64_t history) : ScopedRange(size), history_(history) {
  if (size < 0) throw std::invalid_argument(fmt::format("markov: size must be >= 0, got {}", size));
  if (history < 0)
    throw std::invalid_argument(fmt::format("markov: history must be >= 0, got {}", history));
}

std::unique_ptr<Messenger> markov::step(int64_t index) const {
  if (index == 0) steps_.clear();  // a new pass over the loop
  steps_.resize(static_cast<size_t>(index) + 1);
  return std::make_unique<Step>(steps_, index, history_);
}

}  // namespace ppl::handlers
