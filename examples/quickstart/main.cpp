// A first ppl program: the posterior of an unknown mean, by SVI and in closed form.
//
// mu ~ N(0, 1); x_i ~ N(mu, 1) for 20 observations. The guide is N(loc, scale) with learnable
// loc and positive scale; the exact posterior is N(sum(x) / 21, 1 / sqrt(21)).
#include <ppl/ppl.h>

#include <fmt/format.h>

void model(const torch::Tensor& x) {
  auto mu = ppl::sample("mu", ppl::dist::Normal(torch::zeros({}, x.options()), 1.0));
  ppl::plate data("data", x.size(0));
  ppl::sample("x", ppl::dist::Normal(mu, 1.0), x);
}

void guide(const torch::Tensor& x) {
  auto loc = ppl::param("loc", torch::zeros({}, x.options()));
  auto scale = ppl::param("scale", torch::ones({}, x.options()), ppl::constraints::positive);
  ppl::sample("mu", ppl::dist::Normal(loc, scale));
}

int main() {
  ppl::set_num_threads(1);
  torch::manual_seed(0);
  auto x = 3.0 + torch::randn({20});

  ppl::infer::SVI svi(model, guide,
                      ppl::optim::ClippedAdam(ppl::optim::ClippedAdamOptions(0.02).lrd(0.999)),
                      ppl::infer::Trace_ELBO());
  for (int step = 1; step <= 3000; ++step) {
    const double loss = svi.step(x);
    if (step % 500 == 0) fmt::print("step {:4d}  loss {:8.3f}\n", step, loss);
  }
  const double n = static_cast<double>(x.size(0));
  fmt::print("posterior mean: fitted {:.3f}, exact {:.3f}\n", ppl::param("loc").item<double>(),
             x.sum().item<double>() / (n + 1));
  fmt::print("posterior sd:   fitted {:.3f}, exact {:.3f}\n", ppl::param("scale").item<double>(),
             1 / std::sqrt(n + 1));

  auto trace = ppl::handlers::trace(ppl::handlers::seed(guide, 0)).get_trace(x);
  trace.compute_log_prob();
  fmt::print("\nguide trace:\n{}", trace.format_shapes());
  return 0;
}
