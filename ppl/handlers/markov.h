#pragma once
// markov: a sequential loop whose steps depend only on the last few (Pyro's pyro.markov).

#include "ppl/core/messenger.h"

#include <memory>
#include <string>
#include <vector>

namespace ppl::handlers {

/// `for (int64_t t : ppl::handlers::markov(T)) {...}` is Python's
/// `for t in pyro.markov(range(T)):`. It declares that the sites of step t depend on those of
/// steps t - history .. t only (and on sites outside the loop), so parallel enumeration
/// (EnumMessenger) may recycle the dims of older steps: an HMM of any length uses history + 1
/// enumeration dims. Each site records the sites visible to it in `Message::markov_scope`.
/// history 0 makes the steps independent given the sites outside the loop.
class markov {
 public:
  explicit markov(int64_t size, int64_t history = 1);

  class iterator {
   public:
    iterator(const markov* range, int64_t index);
    int64_t operator*() const { return index_; }
    iterator& operator++();
    bool operator!=(const iterator& other) const { return index_ != other.index_; }

   private:
    struct Step;
    void enter_step();
    const markov* range_;
    int64_t index_;
    std::shared_ptr<Step> step_;  // the handler of the current step
  };

  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(nullptr, size_); }

 private:
  int64_t size_;
  int64_t history_;
  mutable std::vector<std::vector<std::string>> steps_;  // the site names of each step so far
};

}  // namespace ppl::handlers

namespace ppl {
using handlers::markov;  // `ppl::markov(T)`, next to `ppl::plate`
}  // namespace ppl
