#pragma once
// The checks that a model and its guide agree, and that log-probs fit their plates (Pyro's
// check_model_guide_match and check_site_shape), with messages that name the site.

#include "ppl/core/trace.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace ppl::infer {

/// One particle's traces: the guide's, and the model's run under replay of the guide's.
struct TracePair {
  Trace model;
  Trace guide;
};

constexpr int64_t kUnlimitedPlateNesting = std::numeric_limits<int64_t>::max();

/// When validation is on: `check_site_shape` for every sample site of both traces that has
/// its log-prob.
void check_site_shapes(const TracePair& traces, int64_t max_plate_nesting);

/// As Pyro's check_site_shape, but raising std::runtime_error naming the site, with the
/// trace's table of shapes: each log-prob dim inside a plate must have the plate's size, a
/// dim outside every plate (within `max_plate_nesting`) must have size 1, two plates may not
/// share a dim, and no site may be inside more than `max_plate_nesting` plates.
void check_site_shape(const Site& site, const Trace& trace, int64_t max_plate_nesting);

/// The cause of a model that failed (`error`) on values from its guide, when it is one: a
/// latent of `model_trace` whose value, drawn by the guide, lies outside the model site's
/// support. Then std::invalid_argument naming that site, the value, both distributions and
/// their supports, with `error` after it; otherwise returns.
void check_guide_values_in_support(const Trace& model_trace, const Trace& guide_trace,
                                   const std::string& error);

/// When `loss` is NaN or infinite (validation on or off): std::runtime_error naming the first
/// sample site (guide sites first, in program order) whose log-prob is not finite, with the
/// traces' tables of shapes. Returns `loss` otherwise.
double check_finite_loss(double loss, const std::vector<TracePair>& particles);

/// As Pyro's check_model_guide_match, but raising std::runtime_error: every latent of the guide
/// must be a latent of the model and the reverse, except model sites summed out by parallel
/// enumeration (a site marked for enumeration that was not enumerated, as under Trace_ELBO, is
/// an error pointing to TraceEnum_ELBO); shared latents must agree in event_dim and in shape
/// (up to broadcasting). Messages name the site and show both traces' shapes.
void check_model_guide_match(const Trace& model_trace, const Trace& guide_trace);

}  // namespace ppl::infer
