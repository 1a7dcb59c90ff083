#include "ppl/infer/elbo.h"

#include "ppl/distributions/validation.h"
#include "ppl/handlers/replay.h"
#include "ppl/handlers/trace.h"
#include "ppl/infer/vectorizing_plate.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace ppl::infer {

ELBO::ELBO(ELBOOptions options) : options_(options) {
  if (options.num_particles() < 1)
    throw std::invalid_argument(
        fmt::format("ELBO: num_particles must be >= 1, got {}", options.num_particles()));
  if (options.max_plate_nesting() < 0)
    throw std::invalid_argument(
        fmt::format("ELBO: max_plate_nesting must be >= 0, got {}", options.max_plate_nesting()));
  if (options.vectorize_particles() && options.max_plate_nesting() == kUnlimitedPlateNesting)
    throw std::invalid_argument(
        "ELBO: vectorize_particles needs a finite max_plate_nesting (the most plates any site of "
        "the model or guide is in; the particle plate goes left of them), got none");
}

const Program& ELBO::particle_program(const Program& program, Program& wrapper) const {
  if (!vectorized()) return program;
  wrapper = in_particle_plate(program, num_particles(), options_.max_plate_nesting());
  return wrapper;
}

Program in_particle_plate(const Program& program, int64_t size, int64_t max_plate_nesting) {
  return [&program, size, dim = -max_plate_nesting - 1] {
    VectorizingPlate particles(kParticlePlate, size, dim, "vectorize_particles");
    particles.run(program);
  };
}

double ELBO::loss(const Program& model, const Program& guide) {
  torch::NoGradGuard no_grad;
  std::vector<TracePair> particles;  // kept for the error report of a non-finite loss
  const torch::Tensor loss = differentiable_loss(model, guide, &particles);
  return check_finite_loss(loss.item<double>(), particles);
}

double ELBO::loss_and_grads(const Program& model, const Program& guide) {
  std::vector<TracePair> particles;  // kept for the error report of a non-finite loss
  torch::Tensor loss = differentiable_loss(model, guide, &particles);
  if (loss.requires_grad()) loss.backward();
  return check_finite_loss(loss.item<double>(), particles);
}

TracePair run_traces(const Program& model, const Program& guide) {
  TracePair traces;
  {
    handlers::TraceMessenger tracer;
    handlers::run_traced(tracer, "guide", guide);
    traces.guide = std::move(tracer.trace());
  }
  {
    handlers::TraceMessenger tracer;
    handlers::ReplayMessenger replay(traces.guide);
    try {
      handlers::run_traced(tracer, "model", model);
    } catch (const std::exception& e) {
      check_guide_values_in_support(tracer.trace(), traces.guide, e.what());
      throw;
    }
    traces.model = std::move(tracer.trace());
  }
  return traces;
}

TracePair get_traces(const Program& model, const Program& guide) {
  TracePair traces = run_traces(model, guide);
  if (is_validation_enabled()) check_model_guide_match(traces.model, traces.guide);
  return traces;
}

TracePair get_importance_traces(const Program& model, const Program& guide,
                                int64_t max_plate_nesting) {
  TracePair traces = get_traces(model, guide);
  try {
    traces.model.compute_log_prob();
  } catch (const std::exception& e) {
    check_guide_values_in_support(traces.model, traces.guide, e.what());
    throw;
  }
  traces.guide.compute_log_prob();
  check_site_shapes(traces, max_plate_nesting);
  return traces;
}

int64_t guess_max_plate_nesting(const Trace& trace) {
  int64_t nesting = 0;
  for (const Site& site : trace.sites())
    if (site.is_sample())
      for (const PlateFrame& frame : site.cond_indep_stack)
        if (frame.vectorized()) nesting = std::max(nesting, -*frame.dim);
  return nesting;
}

}  // namespace ppl::infer
