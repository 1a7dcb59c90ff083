#include "ppl/infer/model_guide_checks.h"

#include "ppl/distributions/validation.h"
#include "ppl/handlers/enum.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ppl::infer {
namespace {

/// A latent that must appear in both model and guide (plate subsample sites need not).
bool is_matched_latent(const Site* site) {
  return site && site->is_latent();
}

std::string both_tables(const Trace& model_trace, const Trace& guide_trace) {
  return fmt::format("\nmodel trace:\n{}guide trace:\n{}", model_trace.format_shapes(),
                     guide_trace.format_shapes());
}

/// A number as users read it: "nan" rather than fmt's "-nan".
std::string number(double value) {
  return std::isnan(value) ? "nan" : fmt::format("{}", value);
}

}  // namespace

void check_site_shapes(const TracePair& traces, int64_t max_plate_nesting) {
  if (!is_validation_enabled()) return;
  for (const Trace* trace : {&traces.guide, &traces.model})
    for (const Site& site : trace->sites()) check_site_shape(site, *trace, max_plate_nesting);
}

void check_site_shape(const Site& site, const Trace& trace, int64_t max_plate_nesting) {
  if (!site.is_sample() || !site.log_prob.defined()) return;
  // expected[k]: the size that log-prob dim -(k + 1) must have; -1 where any size is fine.
  std::vector<int64_t> expected;
  for (const PlateFrame& frame : site.cond_indep_stack) {
    if (!frame.vectorized()) continue;
    const auto k = static_cast<size_t>(-*frame.dim - 1);
    if (expected.size() <= k) expected.resize(k + 1, -1);
    if (expected[k] != -1) {
      throw std::runtime_error(fmt::format(
          "sample site '{}' within plate '{}' (dim {}): dim collision with another plate at "
          "that dim; give the plates distinct dims\n{}",
          site.name, frame.name, *frame.dim, trace.format_shapes()));
    }
    expected[k] = frame.size;
  }
  if (static_cast<int64_t>(expected.size()) > max_plate_nesting) {
    // Inside the particle plate the limit counts it; the user's option does not.
    const bool particles =
        std::any_of(site.cond_indep_stack.begin(), site.cond_indep_stack.end(),
                    [](const PlateFrame& frame) { return frame.name == kParticlePlate; });
    const int64_t extra = particles ? 1 : 0;
    throw std::runtime_error(fmt::format(
        "sample site '{}': plate stack overflow: its plates reach dim -{} but max_plate_nesting "
        "is {}{}; increase max_plate_nesting to at least {}\n{}",
        site.name, expected.size(), max_plate_nesting - extra,
        particles ? " (plus 1 for the particle plate)" : "", expected.size() - extra,
        trace.format_shapes()));
  }
  const auto actual = site.log_prob.sizes();
  const size_t checked =
      std::max(expected.size(), std::min(actual.size(), static_cast<size_t>(max_plate_nesting)));
  for (size_t k = 0; k < checked; ++k) {
    const int64_t want = k < expected.size() ? expected[k] : 1;
    const int64_t found = k < actual.size() ? actual[actual.size() - 1 - k] : 1;
    if (want == -1 || want == found) continue;
    std::vector<int64_t> expected_shape(expected.rbegin(), expected.rend());
    const std::vector<int64_t> actual_shape(
        actual.end() - static_cast<int64_t>(std::min(actual.size(), checked)), actual.end());
    while (expected_shape.size() < actual_shape.size())
      expected_shape.insert(expected_shape.begin(), 1);
    throw std::runtime_error(fmt::format(
        "sample site '{}': invalid log_prob shape: expected {}, found {} (-1: any size; dim {} "
        "is {}). Enclose the batched tensor in a ppl::plate, declare event dims with "
        ".to_event(n), or permute the data dims\n{}",
        site.name, dist::shape_str(expected_shape), dist::shape_str(actual_shape),
        -static_cast<int64_t>(k) - 1,
        k < expected.size() ? "inside a plate" : "outside every plate, so it must have size 1",
        trace.format_shapes()));
  }
}

void check_guide_values_in_support(const Trace& model_trace, const Trace& guide_trace,
                                   const std::string& error) {
  for (const Site& site : model_trace.sites()) {
    const Site* guide_site = guide_trace.find(site.name);
    if (!site.is_latent() || !guide_site || !guide_site->is_sample()) continue;
    const auto support = site.fn->support();
    if (dynamic_cast<const constraints::Dependent*>(support.get())) continue;
    const torch::Tensor in_support = support->check(site.value.detach());
    if (in_support.all().item<bool>()) continue;
    throw std::invalid_argument(fmt::format(
        "sample site '{}': the guide drew a value outside the model's support: {} (the model's "
        "{} has support {}, the guide's {} has support {}); give the guide a distribution on "
        "the model's support (an autoguide maps to it through biject_to)\nthe model then "
        "failed: {}",
        site.name, constraints::describe_violation(site.value.detach(), in_support),
        site.fn->name(), support->to_string(), guide_site->fn->name(),
        guide_site->fn->support()->to_string(), error));
  }
}

double check_finite_loss(double loss, const std::vector<TracePair>& particles) {
  if (std::isfinite(loss)) return loss;
  for (const TracePair& particle : particles) {
    for (const auto& [trace, role] :
         {std::pair{&particle.guide, "guide"}, std::pair{&particle.model, "model"}}) {
      for (const Site& site : trace->sites()) {
        if (!site.is_sample() || !site.log_prob.defined()) continue;
        const torch::Tensor not_finite = torch::isfinite(site.log_prob.detach()).logical_not();
        const int64_t count = not_finite.sum().item<int64_t>();
        if (count == 0) continue;
        const auto index = *dist::first_true_index(not_finite);
        torch::Tensor first = site.log_prob.detach();
        for (int64_t i : index) first = first[i];
        throw std::runtime_error(fmt::format(
            "loss is {}: the log-prob of sample site '{}' in the {} is not finite ({} of {} "
            "entries; {} at index {})\n{} trace:\n{}",
            number(loss), site.name, role, count, site.log_prob.numel(),
            number(first.item<double>()), dist::shape_str(index), role, trace->format_shapes()));
      }
    }
  }
  throw std::runtime_error(fmt::format(
      "loss is {} although every site's log-prob is finite: the sum itself overflowed{}",
      number(loss),
      particles.empty() ? "" : both_tables(particles.front().model, particles.front().guide)));
}

void check_model_guide_match(const Trace& model_trace, const Trace& guide_trace) {
  for (const Site& guide_site : guide_trace.sites()) {
    if (!is_matched_latent(&guide_site)) continue;
    const Site* model_site = model_trace.find(guide_site.name);
    if (is_matched_latent(model_site)) continue;
    throw std::runtime_error(
        fmt::format("sample site '{}' is a latent of the guide but {} the model{}", guide_site.name,
                    model_site ? "observed in" : "not in", both_tables(model_trace, guide_trace)));
  }
  for (const Site& model_site : model_trace.sites()) {
    if (!is_matched_latent(&model_site)) continue;
    const std::string& name = model_site.name;
    const Site* guide_site = guide_trace.find(name);
    // A site enumerated in the model is summed out there; the guide need not have it. A site
    // only marked for enumeration, under an inference that does not enumerate, would be drawn
    // from the prior instead: an error, not a silently different estimator.
    const std::string enumeration = handlers::enumeration_of(model_site);
    if (!guide_site && !enumeration.empty()) {
      if (handlers::enumerate_dim_of(model_site)) continue;
      throw std::runtime_error(fmt::format(
          "sample site '{}' is marked for enumeration (\"{}\") but was not enumerated, so it "
          "would be drawn from the prior instead of summed out: use TraceEnum_ELBO, which sums "
          "out model sites marked \"parallel\" (\"sequential\" is for guide sites), or give the "
          "guide a site '{}'{}",
          name, enumeration, name, both_tables(model_trace, guide_trace)));
    }
    if (!is_matched_latent(guide_site)) {
      throw std::runtime_error(
          fmt::format("sample site '{}' is a latent of the model but not in the guide{}", name,
                      both_tables(model_trace, guide_trace)));
    }
    const auto& model_fn = *model_site.fn;
    const auto& guide_fn = *guide_site->fn;
    if (model_fn.event_dim() != guide_fn.event_dim()) {
      throw std::runtime_error(fmt::format(
          "sample site '{}': guide event_dim {} but model event_dim {}{}", name,
          guide_fn.event_dim(), model_fn.event_dim(), both_tables(model_trace, guide_trace)));
    }
    const auto model_shape = model_fn.extended_shape(), guide_shape = guide_fn.extended_shape();
    const size_t n = std::max(model_shape.size(), guide_shape.size());
    for (size_t i = 1; i <= n; ++i) {
      const int64_t m = i <= model_shape.size() ? model_shape[model_shape.size() - i] : 1;
      const int64_t g = i <= guide_shape.size() ? guide_shape[guide_shape.size() - i] : 1;
      if (m != g && m != 1 && g != 1) {
        throw std::runtime_error(
            fmt::format("sample site '{}': guide shape {} but model shape {}{}", name,
                        dist::shape_str(guide_shape), dist::shape_str(model_shape),
                        both_tables(model_trace, guide_trace)));
      }
    }
  }
}

}  // namespace ppl::infer
