#pragma once
// Enumeration of discrete sample sites: config_enumerate marks them, EnumMessenger puts a
// site's whole support along a fresh dim (parallel), SequentialEnumMessenger runs the program
// once per value (sequential). Pyro's config_enumerate, poutine.enum and iter_discrete_traces.

#include "ppl/core/messenger.h"
#include "ppl/core/plate.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ppl::handlers {

/// How a site is enumerated: its `infer["enumerate"]`, "" when it is not.
std::string enumeration_of(const Message& msg);

/// The enumeration dim a parallel-enumerated site was given, or nullopt.
std::optional<int64_t> enumerate_dim_of(const Message& msg);

/// The enumeration dims a site's value and log-prob may vary along, with the enumerated site
/// whose values lie along each (empty outside enumeration).
const std::map<int64_t, std::string>& enumeration_dims(const Message& msg);

/// std::invalid_argument unless `strategy` is "parallel" or "sequential".
void check_enumeration_strategy(const std::string& strategy);

/// Marks every unobserved sample site whose distribution has a finite support for enumeration
/// with `strategy`, "parallel" or "sequential" (std::invalid_argument otherwise); a site's own
/// `infer["enumerate"]` is kept.
class ConfigEnumerateMessenger : public Messenger {
 public:
  [[nodiscard]] explicit ConfigEnumerateMessenger(std::string strategy);
  void process_message(Message& msg) override;

 private:
  std::string strategy_;
};

/// `fn` with its discrete sites marked for enumeration (Pyro's config_enumerate).
template <class Fn>
auto config_enumerate(Fn fn, std::string strategy = "parallel") {
  check_enumeration_strategy(strategy);  // at once, not at the first call
  return wrap_with<ConfigEnumerateMessenger>(std::move(fn), std::move(strategy));
}

/// Gives each unobserved sample site marked "parallel" its whole support along a fresh dim left
/// of the plates: the value has shape (K, 1, ..., 1) + event_shape with K at dim `d`
/// (counted from the right of the batch shape), so that the log-probs of the sites that depend on
/// it broadcast along `d`. Dims are taken from `first_available_dim` leftwards (Pyro's
/// `-1 - max_plate_nesting`); a site in a `markov` step reuses the dims of sites its step cannot
/// see. Records at every sample site the dims its value and log-prob may vary along
/// (`Message::enumeration`). While it lives, a plate at `first_available_dim` or left of it is an
/// error naming the plate and the max_plate_nesting that fits (EnumerationDimsReservation).
class EnumMessenger : public Messenger {
 public:
  [[nodiscard]] explicit EnumMessenger(int64_t first_available_dim);
  void process_message(Message& msg) override;
  void postprocess_message(Message& msg) override;

  /// The leftmost dim allocated so far (first_available_dim + 1 when none).
  int64_t leftmost_dim() const { return leftmost_dim_; }

 private:
  int64_t first_available_dim_;
  int64_t leftmost_dim_;
  std::optional<EnumerationDimsReservation> reservation_;
  std::map<int64_t, std::string> global_dims_;  // dims of sites outside every markov step
  std::map<std::string, std::map<int64_t, std::string>> value_dims_;  // site -> its value's dims
};

/// One choice of a sequentially enumerated site: the index of its value in its support.
struct SequentialChoice {
  std::string name;
  int64_t index = 0;
  int64_t size = 0;
};

/// Gives each unobserved sample site marked "sequential" one value of its support: the value
/// `choices` holds for it (by position, in program order), or for a site beyond them the first
/// value, appended to `choices`.
class SequentialEnumMessenger : public Messenger {
 public:
  [[nodiscard]] explicit SequentialEnumMessenger(std::vector<SequentialChoice> choices)
      : choices_(std::move(choices)) {}
  void process_message(Message& msg) override;
  const std::vector<SequentialChoice>& choices() const { return choices_; }

 private:
  std::vector<SequentialChoice> choices_;
  size_t position_ = 0;
};

/// Calls `run()` once per combination of values of the sites marked "sequential" that it meets,
/// each time inside a SequentialEnumMessenger (Pyro's iter_discrete_traces). Later sites may
/// depend on earlier values: each run discovers the sites after the last changed choice anew.
void enumerate_sequentially(const std::function<void()>& run);

}  // namespace ppl::handlers
