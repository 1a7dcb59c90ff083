#pragma once
// The one validation switch (Pyro's `pyro.enable_validation`).

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
