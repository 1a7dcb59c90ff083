#include "models/gaussian_mixture.h"

#include <limits>

namespace ppl::models {

void gaussian_mixture_model(const torch::Tensor& data, int64_t num_components) {
  const auto options = data.options();
  auto weights =
      ppl::sample("weights", dist::Dirichlet(torch::full({num_components}, 0.5, options)));
  auto scale = ppl::sample("scale", dist::LogNormal(torch::zeros({}, options), 2.0));
  torch::Tensor locs;
  {
    ppl::plate components("components", num_components);
    locs = ppl::sample("locs", dist::Normal(torch::zeros({}, options), 10.0));
  }
  ppl::plate plate("data", data.size(0));
  auto assignment = ppl::sample("assignment", dist::Categorical(weights), {},
                                InferDict{{"enumerate", std::string("parallel")}});
  ppl::sample("obs", dist::Normal(locs.index({assignment}), scale), data);
}

GaussianMixtureFit fit_gaussian_mixture(const torch::Tensor& data, int64_t num_components,
                                        int64_t num_inits, int64_t num_steps) {
  auto model = [num_components](const torch::Tensor& x) {
    gaussian_mixture_model(x, num_components);
  };
  auto global_model =
      handlers::block(model, handlers::BlockOptions().expose({"weights", "locs", "scale"}));
  auto init_loc_fn = [&](const Message& site) -> torch::Tensor {
    if (site.name == "weights")
      return torch::full({num_components}, 1.0 / num_components, data.options());
    if (site.name == "scale") return (data.var() / 2).sqrt();
    const auto n = data.size(0);
    return data.index({torch::multinomial(torch::full({n}, 1.0 / n), num_components)});
  };
  infer::TraceEnum_ELBO elbo(infer::ELBOOptions().max_plate_nesting(1));
  auto optimizer = [] {
    return optim::Adam(optim::AdamOptions(0.1).betas(std::make_tuple(0.8, 0.99)));
  };

  // The tutorial's initialize(seed): a fresh guide, and SVI on it.
  auto initialize = [&](uint64_t seed) {
    torch::manual_seed(seed);
    param_store().clear();
    infer::AutoDelta guide(global_model, infer::AutoDeltaOptions().init_loc_fn(init_loc_fn));
    return std::pair{guide, infer::SVI(model, guide, optimizer(), elbo)};
  };
  GaussianMixtureFit fit;
  fit.initial_loss = std::numeric_limits<double>::infinity();
  for (int64_t seed = 0; seed < num_inits; ++seed) {
    const double loss = initialize(seed).second.evaluate_loss(data);
    if (loss < fit.initial_loss) {
      fit.initial_loss = loss;
      fit.seed = seed;
    }
  }
  auto [guide, svi] = initialize(fit.seed);
  for (int64_t step = 0; step < num_steps; ++step) fit.final_loss = svi.step(data);
  const TensorDict map_estimates = guide.median(data);
  fit.weights = map_estimates.at("weights");
  fit.locs = map_estimates.at("locs");
  fit.scale = map_estimates.at("scale");
  return fit;
}

}  // namespace ppl::models
