#include "ppl/infer/elbo.h"

#include "ppl/handlers/replay.h"
#include "ppl/handlers/trace.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::infer {
namespace {

/// A latent that must appear in both model and guide (plate subsample sites need not).
bool is_matched_latent(const Site* site) {
  return site && site->is_latent() && site->infer.count("_subsample") == 0;
}

std::string both_tables(const Trace& model_trace, const Trace& guide_trace) {
  return fmt::format("\nmodel trace:\n{}guide trace:\n{}", model_trace.format_shapes(),
                     guide_trace.format_shapes());
}

}  // namespace

ELBO::ELBO(int64_t num_particles) : num_particles_(num_particles) {
  if (num_particles < 1)
    throw std::invalid_argument(
        fmt::format("ELBO: num_particles must be >= 1, got {}", num_particles));
}

double ELBO::loss(const Program& model, const Program& guide) {
  torch::NoGradGuard no_grad;
  return differentiable_loss(model, guide).item<double>();
}

double ELBO::loss_and_grads(const Program& model, const Program& guide) {
  torch::Tensor loss = differentiable_loss(model, guide);
  if (loss.requires_grad()) loss.backward();
  return loss.item<double>();
}

TracePair get_traces(const Program& model, const Program& guide) {
  TracePair traces;
  {
    handlers::TraceMessenger tracer;
    guide();
    traces.guide = std::move(tracer.trace());
  }
  {
    handlers::TraceMessenger tracer;
    handlers::ReplayMessenger replay(traces.guide);
    model();
    traces.model = std::move(tracer.trace());
  }
  check_model_guide_match(traces.model, traces.guide);
  return traces;
}

TracePair get_importance_traces(const Program& model, const Program& guide) {
  TracePair traces = get_traces(model, guide);
  traces.model.compute_log_prob();
  traces.guide.compute_log_prob();
  return traces;
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
