#pragma once
// markov: a sequential loop whose steps depend only on the last few (Pyro's pyro.markov).

#include "ppl/core/scoped_range.h"

#include <memory>
#include <string>
#include <vector>

namespace ppl::handlers {

/// `for (int64_t t : ppl::handlers::markov(T)) {...}` is Python's
/// `for t in pyro.markov(range(T)):`. It declares that the sites of step t depend on those of
/// steps t - history .. t only (and on sites outside the loop), so parallel enumeration
/// (EnumMessenger) may recycle the dims of older steps: an HMM of any length uses history + 1
/// enumeration dims. Each site records the sites visible to it in `Message::enumeration`.
/// history 0 makes the steps independent given the sites outside the loop.
class markov : public ScopedRange<markov> {
 public:
  explicit markov(int64_t size, int64_t history = 1);
  /// The handler of step `index`: shows each site the sites of the last `history` steps.
  std::unique_ptr<Messenger> step(int64_t index) const;

 private:
  int64_t history_;
  mutable std::vector<std::vector<std::string>> steps_;  // the site names of each step so far
};

}  // namespace ppl::handlers

namespace ppl {
using handlers::markov;  // `ppl::markov(T)`, next to `ppl::plate`
}  // namespace ppl
