// A user's program: the posterior of a Poisson rate by SVI, checked against its closed form,
// then a few steps of ppl::models' Bayesian regression, and with ppl::distributed the same steps
// data-parallel in a process group of one. Exits 1 when the fit is off.
#include <ppl/ppl.h>
#ifdef CONSUMER_DISTRIBUTED
#include <ppl/distributed.h>
#endif

#include "models/bayesian_regression.h"

#include <cmath>
#include <cstdio>
#include <memory>

#include <unistd.h>

// rate ~ Gamma(2, 1); counts_i ~ Poisson(rate). The posterior is Gamma(2 + sum(counts), 1 + n).
void model(const torch::Tensor& counts) {
  auto rate = ppl::sample("rate", ppl::dist::Gamma(2.0, 1.0));
  ppl::plate data("data", counts.size(0));
  ppl::sample("counts", ppl::dist::Poisson(rate), counts);
}

// A log-normal guide: close to the Gamma posterior, whose shape is large here.
void guide(const torch::Tensor&) {
  auto loc = ppl::param("q_loc", torch::tensor(0.0));
  auto scale = ppl::param("q_scale", torch::tensor(1.0), ppl::constraints::positive);
  ppl::sample("rate", ppl::dist::LogNormal(loc, scale));
}

int main() {
  ppl::set_num_threads(1);
  torch::manual_seed(0);
  auto counts = torch::poisson(torch::full({30}, 4.0));
  ppl::infer::SVI svi(model, guide,
                      ppl::optim::ClippedAdam(ppl::optim::ClippedAdamOptions(0.05).lrd(0.998)),
                      ppl::infer::Trace_ELBO());
  for (int step = 0; step < 1000; ++step) svi.step(counts);
  const double fitted =
      ppl::dist::LogNormal(ppl::param("q_loc"), ppl::param("q_scale")).mean().item<double>();
  const double exact = (2 + counts.sum().item<double>()) / (1 + counts.size(0));
  std::printf("posterior mean of the rate: fitted %.3f, exact %.3f\n", fitted, exact);

  ppl::param_store().clear();
  auto x1 = torch::randn({50}), x2 = torch::randn({50});
  auto y = 1.0 + 2.0 * x1 - x2 + 0.1 * torch::randn({50});
  ppl::infer::SVI regression(
      ppl::models::bayesian_regression_model, ppl::models::bayesian_regression_guide,
      ppl::optim::Adam(ppl::optim::AdamOptions(0.05)), ppl::infer::Trace_ELBO());
#ifdef CONSUMER_DISTRIBUTED
  // ppl::distributed: the steps averaged over a process group of one, on this machine.
  auto group = std::make_shared<ppl::distributed::ProcessGroup>(
      ppl::distributed::ProcessGroupOptions().master_port(30000 + ::getpid() % 20000));
  regression.set_reducer(std::make_shared<ppl::distributed::DataParallel>(group));
  std::printf("regression: data-parallel over %lld process\n",
              static_cast<long long>(group->world_size()));
#endif
  for (int step = 0; step < 10; ++step) regression.step(x1, x2, y);
  std::printf("regression: posterior mean of b1 after 10 steps %.3f\n",
              ppl::param("b1_loc").item<double>());
  return std::abs(fitted - exact) < 0.03 * exact ? 0 : 1;
}
