#pragma once
// Predictive: draws of chosen sites from the model, from the prior or given a guide (Pyro's
// Predictive with parallel=False).

#include "ppl/infer/elbo.h"

#include <map>
#include <string>
#include <type_traits>
#include <vector>

namespace ppl::infer {

/// Site name -> values of the site in each run, stacked along a new leading dim.
using SampleDict = std::map<std::string, torch::Tensor>;

/// Runs `model` `num_samples` times without gradients and returns the values of
/// `return_sites`, each shaped (num_samples, ...site's value shape). When `guide` is not empty,
/// each run first traces the guide and replays the model against it, so the guide's latents fix
/// the model's (a posterior predictive); otherwise the latents are drawn from the prior.
/// Observed sites are drawn afresh from their distributions (the model runs under
/// `uncondition`), so the data passed to the model only sets shapes. By default, as Pyro,
/// every sample site of the model is returned, except plate subsample sites and factors.
/// std::invalid_argument if num_samples < 1; std::out_of_range naming a return site the model
/// does not sample; std::runtime_error naming a site whose shape changes between runs.
SampleDict predictive(const Program& model, const Program& guide, int64_t num_samples,
                      const std::vector<std::string>& return_sites = {});

/// Marks a Predictive without a guide.
struct NoGuide {};

/// `Predictive(model, guide, 1000)(x)` or `Predictive(model, 1000, {"obs"})(x)`: `predictive`
/// with the model's (and guide's) arguments given at the call, as SVI's `step`.
template <class Model, class Guide = NoGuide>
class Predictive {
 public:
  Predictive(Model model, Guide guide, int64_t num_samples,
             std::vector<std::string> return_sites = {})
      : model_(std::move(model)),
        guide_(std::move(guide)),
        num_samples_(num_samples),
        return_sites_(std::move(return_sites)) {}
  Predictive(Model model, int64_t num_samples, std::vector<std::string> return_sites = {})
      : Predictive(std::move(model), NoGuide(), num_samples, std::move(return_sites)) {}

  template <class... Args>
  SampleDict operator()(const Args&... args) {
    Program guide;
    if constexpr (!std::is_same_v<Guide, NoGuide>) guide = bind_program(guide_, args...);
    return predictive(bind_program(model_, args...), guide, num_samples_, return_sites_);
  }

 private:
  Model model_;
  Guide guide_;
  int64_t num_samples_;
  std::vector<std::string> return_sites_;
};

}  // namespace ppl::infer
