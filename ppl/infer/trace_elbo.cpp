#include "ppl/infer/trace_elbo.h"

#include <algorithm>

namespace ppl::infer {
namespace {

bool same_frame(const PlateFrame& a, const PlateFrame& b) {
  return a.name == b.name && a.dim == b.dim;
}

std::vector<PlateFrame> vectorized_frames(const Site& site) {
  std::vector<PlateFrame> frames;
  for (const auto& frame : site.cond_indep_stack)
    if (frame.vectorized()) frames.push_back(frame);
  return frames;
}

bool contains_frame(const std::vector<PlateFrame>& frames, const PlateFrame& frame) {
  return std::any_of(frames.begin(), frames.end(),
                     [&](const auto& f) { return same_frame(f, frame); });
}

/// The detached log-ratio log p - log q of every model site, grouped by plate context, so that
/// a guide site's score-function term is weighted only by the terms it can influence: those
/// in its own plate slice, summed over the plates it is not in (Pyro's MultiFrameTensor).
class DownstreamLogRatio {
 public:
  DownstreamLogRatio(const Trace& model_trace, const Trace& guide_trace) {
    for (const Site& site : model_trace.sites()) {
      if (!site.is_sample()) continue;
      torch::Tensor term = site.log_prob;
      if (!site.is_observed) term = term - guide_trace.at(site.name).log_prob;
      add(vectorized_frames(site), term.detach());
    }
  }

  /// The log-ratio summed down to the plates `target`.
  torch::Tensor sum_to(const std::vector<PlateFrame>& target) const {
    torch::Tensor total;
    for (const auto& [frames, term] : terms_) {
      torch::Tensor value = term;
      for (const auto& frame : frames) {
        const int64_t dim = *frame.dim;
        if (!contains_frame(target, frame) && value.dim() >= -dim && value.size(dim) != 1)
          value = value.sum(dim, /*keepdim=*/true);
      }
      while (value.dim() > 0 && value.size(0) == 1) value = value.squeeze(0);
      total = total.defined() ? total + value : value;
    }
    return total;
  }

 private:
  void add(const std::vector<PlateFrame>& frames, const torch::Tensor& term) {
    for (auto& [existing, sum] : terms_) {
      if (existing.size() == frames.size() &&
          std::all_of(frames.begin(), frames.end(),
                      [&](const auto& f) { return contains_frame(existing, f); })) {
        sum = sum + term;
        return;
      }
    }
    terms_.emplace_back(frames, term);
  }

  std::vector<std::pair<std::vector<PlateFrame>, torch::Tensor>> terms_;
};

}  // namespace

torch::Tensor Trace_ELBO::differentiable_loss(const Program& model, const Program& guide,
                                              std::vector<TracePair>* particles) {
  // ELBO = sum(model terms) - sum(reparameterized guide terms) - sum(other guide terms). The
  // surrogate whose gradient is unbiased replaces the other guide terms by score-function terms.
  // Vectorized, one pass holds every particle: its sums over all dims add the particles up,
  // and the particle plate keeps each particle's score-function terms to its own log-ratio.
  // Without gradients (`loss`) the surrogate terms are skipped.
  const bool surrogate = torch::GradMode::is_enabled();
  std::vector<torch::Tensor> model_terms, reparameterized_terms, other_guide_terms, score_terms;
  Program model_wrapper, guide_wrapper;
  const Program& particle_model = particle_program(model, model_wrapper);
  const Program& particle_guide = particle_program(guide, guide_wrapper);
  for (int64_t i = 0; i < num_passes(); ++i) {
    auto traces = get_importance_traces(particle_model, particle_guide, checked_plate_nesting());
    for (const Site& site : traces.model.sites())
      if (site.is_sample()) model_terms.push_back(site.log_prob_sum());
    std::optional<DownstreamLogRatio> log_ratio;
    for (const Site& site : traces.guide.sites()) {
      if (!site.is_sample()) continue;
      if (site.fn->has_rsample()) {
        reparameterized_terms.push_back(site.log_prob_sum());  // pathwise: differentiate log q
        continue;
      }
      other_guide_terms.push_back(site.log_prob_sum());
      if (!surrogate) continue;
      if (!log_ratio) log_ratio.emplace(traces.model, traces.guide);
      score_terms.push_back(
          (log_ratio->sum_to(vectorized_frames(site)) * site.unscaled_log_prob).sum());
    }
    if (particles) particles->push_back(std::move(traces));
  }
  const double scale = -1.0 / static_cast<double>(num_particles());
  const torch::Tensor pathwise = sum_scalars(model_terms) - sum_scalars(reparameterized_terms);
  if (other_guide_terms.empty()) return pathwise * scale;  // the surrogate is the ELBO itself
  const torch::Tensor surrogate_loss = (pathwise + sum_scalars(score_terms)) * scale;
  const torch::Tensor loss = (pathwise.detach() - sum_scalars(other_guide_terms).detach()) * scale;
  // Equal to the loss in value, with the surrogate's gradient.
  return loss + (surrogate_loss - surrogate_loss.detach());
}

}  // namespace ppl::infer
