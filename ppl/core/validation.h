#pragma once
// The global validation switch (Pyro's `enable_validation`).

namespace ppl {

/// Switches all of ppl's checks together, as Pyro's `enable_validation`: the distributions'
/// argument and support checks (`dist::set_validation_enabled`) and the inference checks
/// (model/guide site matching, log-prob shapes against their plates, naming the site behind a
/// non-finite loss). On by default. The inference checks look only at shapes and at the loss
/// the step returns anyway, so they cost no host sync and can stay on in training; the
/// distribution checks read tensor values and are the ones to switch off in hot loops.
void enable_validation(bool enabled = true);

/// Whether the inference checks are on.
bool is_validation_enabled();

}  // namespace ppl
