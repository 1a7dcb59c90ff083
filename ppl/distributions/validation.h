#pragma once
// The one validation switch (Pyro's `pyro.enable_validation`), and argument errors reported at
// sample sites.

#include <optional>
#include <string>

namespace ppl {

/// Switches all of ppl's checks together, as Pyro's `enable_validation`: the distributions'
/// argument and support checks (a distribution's own `validate_args` overrides it) and the
/// inference checks (model/guide site matching, log-prob shapes against their plates). On by
/// default. The distribution checks read tensor values and cost a host sync each: turn
/// validation off in hot training loops once a model works. A non-finite loss is an error
/// either way.
void enable_validation(bool enabled = true);

/// Whether validation is on.
bool is_validation_enabled();

}  // namespace ppl

namespace ppl::dist {

/// While one is alive in a thread, a distribution built there with an invalid argument does not
/// throw: its error (the first one) waits for the next sample site, which reports it under the
/// site's name ("sample site 'obs': Normal: argument 'scale' must be positive, found -0.038").
/// A traced model or guide runs inside one (handlers::run_traced). Scopes nest.
class DeferArgumentErrors {
 public:
  [[nodiscard]] DeferArgumentErrors();
  ~DeferArgumentErrors();
  DeferArgumentErrors(const DeferArgumentErrors&) = delete;
  DeferArgumentErrors& operator=(const DeferArgumentErrors&) = delete;

 private:
  bool previous_active_;
  std::optional<std::string> previous_error_;
};

/// Inside a DeferArgumentErrors scope: keeps `error` (unless one is kept already) and returns
/// true. Outside: returns false, and the caller throws.
bool defer_argument_error(const std::string& error);

/// The argument error deferred in this thread and not taken yet, now taken; nullopt if none.
std::optional<std::string> take_argument_error();

}  // namespace ppl::dist
