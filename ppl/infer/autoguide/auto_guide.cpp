#include "ppl/infer/autoguide/auto_guide.h"

#include "ppl/distributions/transforms/compose.h"
#include "ppl/distributions/transforms/independent.h"
#include "ppl/handlers/block.h"
#include "ppl/handlers/trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace ppl::infer {
namespace {

bool is_identity(const transforms::Transform& transform) {
  if (auto* independent = dynamic_cast<const transforms::IndependentTransform*>(&transform))
    return is_identity(*independent->base());
  auto* compose = dynamic_cast<const transforms::Compose*>(&transform);
  return compose && compose->parts().empty();
}

/// The latent sample sites of one run of `model`, hidden from every handler outside, each set
/// by `init_fn` (Pyro's _setup_prototype).
Trace trace_prototype(const Program& model, const InitFn& init_fn) {
  torch::NoGradGuard no_grad;
  handlers::BlockMessenger hide_from_outside;
  handlers::TraceMessenger tracer;
  handlers::BlockMessenger keep_latents(handlers::BlockOptions().hide_fn(
      [](const Message& msg) { return msg.type != MessageType::sample || msg.is_observed; }));
  InitMessenger init(init_fn);
  handlers::run_traced(tracer, "model", model);
  return std::move(tracer.trace());
}

}  // namespace

std::pair<torch::Tensor, torch::Tensor> LatentSite::constrain(
    const torch::Tensor& unconstrained) const {
  if (is_real) return {unconstrained, torch::Tensor()};
  auto [value, log_jacobian] = transform->forward_with_log_abs_det_jacobian(unconstrained);
  const int64_t event_dims = log_jacobian.dim() - value.dim() + event_dim();
  return {std::move(value), -dist::sum_rightmost(log_jacobian, event_dims)};
}

AutoGuideImpl::AutoGuideImpl(std::string name, InitFn init_loc_fn)
    : name_(std::move(name)), init_loc_fn_(std::move(init_loc_fn)) {
  if (!init_loc_fn_)
    throw std::invalid_argument(fmt::format("{}: the init_loc_fn is empty", name_));
}

void AutoGuideImpl::set_name(std::string name) {
  if (set_up_)
    throw std::logic_error(fmt::format(
        "{}: cannot rename an autoguide once it has run (its parameters exist)", name_));
  name_ = std::move(name);
}

const std::vector<LatentSite>& AutoGuideImpl::latents() const {
  require_setup();
  return latents_;
}

void AutoGuideImpl::require_setup() const {
  if (!set_up_)
    throw std::logic_error(fmt::format(
        "{}: the guide has not run yet, so its latent sites are unknown: call it once, or pass "
        "the model's arguments to the query (guide.median(x))",
        name_));
}

void AutoGuideImpl::setup(const Program& model) {
  if (set_up_) return;
  const Trace prototype = trace_prototype(model, init_loc_fn_);
  std::vector<LatentSite> latents;
  std::vector<PlateFrame> frames;
  for (const Site& site : prototype.sites()) {
    const auto support = site.fn->support();
    if (support->is_discrete()) {
      throw std::invalid_argument(fmt::format(
          "{}: cannot handle the discrete sample site '{}' (support {}); enumerate it, or hide "
          "it from the autoguide: {}(block(model, BlockOptions().hide({{\"{}\"}})))",
          name_, site.name, support->to_string(), name_, site.name));
    }
    for (const PlateFrame& frame : site.cond_indep_stack) {
      if (!frame.vectorized())
        throw std::invalid_argument(
            fmt::format("{}: sample site '{}' is inside the sequential plate '{}'; autoguides need "
                        "vectorized plates",
                        name_, site.name, frame.name));
      auto same = [&](const PlateFrame& f) { return f.name == frame.name; };
      if (std::none_of(frames.begin(), frames.end(), same)) frames.push_back(frame);
    }
    LatentSite latent;
    latent.name = site.name;
    latent.fn = site.fn;
    latent.value = site.value.detach();
    latent.plates = site.cond_indep_stack;
    try {
      latent.transform = transforms::biject_to(support);
    } catch (const std::invalid_argument& error) {
      throw std::invalid_argument(
          fmt::format("{}: sample site '{}': {}", name_, site.name, error.what()));
    }
    latent.is_real = is_identity(*latent.transform);
    latent.unconstrained = latent.transform->inverse(latent.value).detach();
    latent.unconstrained_event_dim =
        latent.event_dim() + latent.unconstrained.dim() - latent.value.dim();
    latents.push_back(std::move(latent));
  }
  finish_setup(std::move(latents), std::move(frames));
}

void AutoGuideImpl::set_up_like(const AutoGuideImpl& other) {
  other.require_setup();
  finish_setup(other.latents_, other.frames_);
}

void AutoGuideImpl::finish_setup(std::vector<LatentSite> latents, std::vector<PlateFrame> frames) {
  latents_ = std::move(latents);
  frames_ = std::move(frames);
  set_up_ = true;
  try {
    on_setup();
  } catch (...) {
    set_up_ = false;
    latents_.clear();
    frames_.clear();
    throw;
  }
}

TensorDict AutoGuideImpl::run(const Program& model) {
  setup(model);
  struct ClearPlates {
    std::vector<std::unique_ptr<plate>>& plates;
    ~ClearPlates() { plates.clear(); }  // frees their dims, also when sampling throws
  } clear{plates_};
  plates_.clear();
  for (const PlateFrame& frame : frames_) {
    plates_.push_back(std::make_unique<plate>(
        frame.name, frame.full_size, PlateOptions().dim(frame.dim).subsample_size(frame.size)));
    plates_.back()->exit();  // entered per site by enter_plates
  }
  return sample_latents();
}

plate& AutoGuideImpl::guide_plate(const std::string& frame_name) const {
  for (const auto& p : plates_)
    if (p->name() == frame_name) return *p;
  throw std::logic_error(fmt::format("{}: no plate '{}' in this call", name_, frame_name));
}

torch::Tensor AutoGuideImpl::subsample(const torch::Tensor& full, const LatentSite& site,
                                       int64_t event_dim) const {
  torch::Tensor part = full;
  for (const PlateFrame& frame : site.plates) {
    if (frame.size == frame.full_size) continue;
    const int64_t dim = *frame.dim - event_dim;
    part = part.index_select(part.dim() + dim, guide_plate(frame.name).indices());
  }
  return part;
}

std::vector<Reentry> AutoGuideImpl::enter_plates(const LatentSite& site) const {
  std::vector<Reentry> entered;
  entered.reserve(site.plates.size());
  for (const PlateFrame& frame : site.plates) entered.emplace_back(guide_plate(frame.name));
  return entered;
}

torch::Tensor periodic_repeat(const torch::Tensor& tensor, int64_t size, int64_t dim) {
  const int64_t d = dim < 0 ? dim + tensor.dim() : dim;
  const int64_t period = tensor.size(d);
  if (period == size) return tensor;
  std::vector<int64_t> repeats(tensor.dim(), 1);
  repeats[d] = (size + period - 1) / period;
  return tensor.repeat(repeats).narrow(d, 0, size).contiguous();
}

torch::Tensor over_full_plates(torch::Tensor value, const LatentSite& site, int64_t event_dim) {
  for (const PlateFrame& frame : site.plates)
    value = periodic_repeat(value, frame.full_size, *frame.dim - event_dim);
  return value;
}

double checked_init_scale(const std::string& name, double init_scale) {
  if (!(init_scale > 0))
    throw std::invalid_argument(
        fmt::format("{}: init_scale must be > 0, got {}", name, init_scale));
  return init_scale;
}

}  // namespace ppl::infer
