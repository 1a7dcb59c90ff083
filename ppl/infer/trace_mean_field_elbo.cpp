#include "ppl/infer/trace_mean_field_elbo.h"

#include "ppl/distributions/kl.h"

#include <ATen/ExpandUtils.h>
#include <fmt/format.h>

#include <stdexcept>
#include <unordered_set>

namespace ppl::infer {

torch::Tensor TraceMeanField_ELBO::differentiable_loss(const Program& model, const Program& guide,
                                                       std::vector<TracePair>* particles) {
  const bool pathwise = torch::GradMode::is_enabled();
  std::vector<torch::Tensor> terms;
  Program model_wrapper, guide_wrapper;
  const Program& particle_model = particle_program(model, model_wrapper);
  const Program& particle_guide = particle_program(guide, guide_wrapper);
  for (int64_t i = 0; i < num_passes(); ++i) {
    TracePair traces = get_traces(particle_model, particle_guide);
    std::unordered_set<std::string> analytic;  // latents whose term is -KL
    for (const Site& guide_site : traces.guide.sites()) {
      if (!guide_site.is_sample() || guide_site.is_observed) continue;
      const dist::Distribution& q = *guide_site.fn;
      if (pathwise && !q.has_rsample()) {
        throw std::runtime_error(fmt::format(
            "TraceMeanField_ELBO: sample site '{}': the guide's {} is not reparameterizable "
            "(no rsample), so its gradient needs score-function terms; use Trace_ELBO",
            guide_site.name, q.name()));
      }
      const Site* model_site = traces.model.find(guide_site.name);
      if (!guide_site.is_latent() || !model_site) continue;  // auxiliary guide sites
      const dist::Distribution& p = *model_site->fn;
      const dist::KLFunction kl = dist::find_kl(q, p);
      if (!kl || !at::is_expandable_to(p.batch_shape(), q.batch_shape())) continue;
      terms.push_back(-scale_and_mask(kl(q, p), guide_site.scale, guide_site.mask).sum());
      analytic.insert(guide_site.name);
    }
    const SiteFilter monte_carlo = [&](const Site& site) { return !analytic.count(site.name); };
    terms.push_back(traces.model.log_prob_sum(monte_carlo) -
                    traces.guide.log_prob_sum(monte_carlo));
    check_site_shapes(traces, checked_plate_nesting());
    if (particles) particles->push_back(std::move(traces));
  }
  return sum_scalars(terms) * (-1.0 / static_cast<double>(num_particles()));
}

}  // namespace ppl::infer
