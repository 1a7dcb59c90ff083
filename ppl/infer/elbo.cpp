#include "ppl/infer/elbo.h"

#include "ppl/handlers/replay.h"
#include "ppl/handlers/trace.h"

#include <fmt/format.h>

#include <set>
#include <stdexcept>

namespace ppl::infer {
namespace {

bool is_subsample(const Site& site) {
  return site.infer.count("_subsample") > 0;
}

std::set<std::string> latent_names(const Trace& trace) {
  std::set<std::string> names;
  for (const Site& site : trace.sites())
    if (site.is_latent() && !is_subsample(site)) names.insert(site.name);
  return names;
}

std::string both_tables(const Trace& model_trace, const Trace& guide_trace) {
  return fmt::format("\nmodel trace:\n{}guide trace:\n{}", model_trace.format_shapes(),
                     guide_trace.format_shapes());
}

dist::Shape full_shape(const dist::Distribution& fn) {
  return fn.extended_shape();
}

}  // namespace

ELBO::ELBO(int64_t num_particles) : num_particles_(num_particles) {
  if (num_particles < 1)
    throw std::invalid_argument(
        fmt::format("ELBO: num_particles must be >= 1, got {}", num_particles));
}

double ELBO::loss_and_grads(const Program& model, const Program& guide) {
  torch::Tensor loss = differentiable_loss(model, guide);
  if (loss.requires_grad()) loss.backward();
  return loss.item<double>();
}

TracePair get_importance_traces(const Program& model, const Program& guide) {
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
  traces.model.compute_log_prob();
  traces.guide.compute_log_prob();
  return traces;
}

void check_model_guide_match(const Trace& model_trace, const Trace& guide_trace) {
  const auto model_latents = latent_names(model_trace);
  const auto guide_latents = latent_names(guide_trace);
  for (const auto& name : guide_latents) {
    if (!model_latents.count(name)) {
      const bool observed = model_trace.contains(name);
      throw std::runtime_error(
          fmt::format("sample site '{}' is a latent of the guide but {} the model{}", name,
                      observed ? "observed in" : "not in", both_tables(model_trace, guide_trace)));
    }
  }
  for (const auto& name : model_latents) {
    if (!guide_latents.count(name)) {
      throw std::runtime_error(
          fmt::format("sample site '{}' is a latent of the model but not in the guide{}", name,
                      both_tables(model_trace, guide_trace)));
    }
    const auto& model_fn = *model_trace.at(name).fn;
    const auto& guide_fn = *guide_trace.at(name).fn;
    if (model_fn.event_dim() != guide_fn.event_dim()) {
      throw std::runtime_error(fmt::format(
          "sample site '{}': guide event_dim {} but model event_dim {}{}", name,
          guide_fn.event_dim(), model_fn.event_dim(), both_tables(model_trace, guide_trace)));
    }
    const auto model_shape = full_shape(model_fn), guide_shape = full_shape(guide_fn);
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
