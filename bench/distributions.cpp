// The distribution catalogue against raw LibTorch: for Beta, Gamma, Dirichlet, StudentT,
// MultivariateNormal, the location-scale families (Normal, Cauchy, Laplace, Gumbel) and the folded
// ones (HalfNormal, HalfCauchy), one step = build the distribution from parameters that require
// grad, draw a reparameterized (256, 50) batch, sum its log-density and backpropagate. The raw twin
// writes the same math with LibTorch ops. Both run in this process, in interleaved blocks.
//
// Prints one JSON object to stdout: per distribution the median µs per step of ppl and of the
// raw twin, and their ratio; progress goes to stderr.
#include <ppl/ppl.h>

#include "bench/bench_util.h"

#include <c10/util/MathConstants.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace dist = ppl::dist;

struct Options {
  int threads = 1;
  int blocks = 15;       ///< blocks per side, interleaved
  int block_steps = 40;  ///< steps per block
  int warmup = 20;
};

constexpr int64_t kBatch = 256, kSize = 50;

torch::Tensor parameter(torch::Tensor value) {
  return value.set_requires_grad(true);
}

/// Standard gammas clamped away from zero, as ppl's (and PyTorch's) samplers do.
torch::Tensor standard_gamma(const torch::Tensor& concentration) {
  return at::_standard_gamma(concentration).clamp_min(std::numeric_limits<float>::min());
}

struct Case {
  std::string name;
  std::vector<torch::Tensor> parameters;
  std::function<torch::Tensor(const std::vector<torch::Tensor>&)> ppl_step;  // summed log-density
  std::function<torch::Tensor(const std::vector<torch::Tensor>&)> raw_step;
};

/// `D`(loc, scale) against its raw twin: x = loc + scale * `standard`, and the summed
/// `standard_log_prob`((x - loc) / scale) - log scale.
template <class D>
Case location_scale_case(std::string name, std::function<torch::Tensor(torch::Tensor)> standard,
                         std::function<torch::Tensor(const torch::Tensor&)> standard_log_prob) {
  const auto shape = std::vector<int64_t>{kBatch, kSize};
  const auto options = torch::TensorOptions().dtype(torch::kFloat);
  return {std::move(name),
          {parameter(torch::zeros(shape, options)), parameter(torch::full(shape, 2.0, options))},
          [](const auto& p) {
            const D d(p[0], p[1]);
            return d.log_prob(d.rsample()).sum();
          },
          [standard, standard_log_prob](const auto& p) {
            const auto& loc = p[0];
            const auto& scale = p[1];
            const auto x = loc + scale * standard(at::empty(loc.sizes(), loc.options()));
            return (standard_log_prob((x - loc) / scale) - scale.log()).sum();
          }};
}

/// `D`(scale) against its raw twin: x = scale * |`standard`|, and the summed
/// log 2 + `standard_log_prob`(x / scale) - log scale.
template <class D>
Case folded_case(std::string name, std::function<torch::Tensor(torch::Tensor)> standard,
                 std::function<torch::Tensor(const torch::Tensor&)> standard_log_prob) {
  const auto options = torch::TensorOptions().dtype(torch::kFloat);
  return {std::move(name),
          {parameter(torch::full({kBatch, kSize}, 2.0, options))},
          [](const auto& p) {
            const D d(p[0]);
            return d.log_prob(d.rsample()).sum();
          },
          [standard, standard_log_prob](const auto& p) {
            const auto& scale = p[0];
            const auto x = scale * standard(at::empty(scale.sizes(), scale.options())).abs();
            return (std::log(2.0) + standard_log_prob(x / scale) - scale.log()).sum();
          }};
}

std::vector<Case> cases() {
  const auto shape = std::vector<int64_t>{kBatch, kSize};
  const auto options = torch::TensorOptions().dtype(torch::kFloat);
  std::vector<Case> all;

  const double half_log_2pi = 0.5 * std::log(2 * c10::pi<double>);
  const auto normal = [](torch::Tensor t) { return t.normal_(); };
  const auto normal_log_prob = [half_log_2pi](const torch::Tensor& z) {
    return -0.5 * z.square() - half_log_2pi;
  };
  const auto cauchy = [](torch::Tensor t) { return t.cauchy_(); };
  const auto cauchy_log_prob = [](const torch::Tensor& z) {
    return -at::log1p(z.square()) - std::log(c10::pi<double>);
  };
  all.push_back(location_scale_case<dist::Normal>("Normal", normal, normal_log_prob));
  all.push_back(location_scale_case<dist::Cauchy>("Cauchy", cauchy, cauchy_log_prob));
  all.push_back(location_scale_case<dist::Laplace>(
      "Laplace",
      [](torch::Tensor u) {
        u.uniform_(std::numeric_limits<float>::epsilon() - 1, 1);
        return -u.sign() * at::log1p(-u.abs());
      },
      [](const torch::Tensor& z) { return -z.abs() - std::log(2.0); }));
  all.push_back(location_scale_case<dist::Gumbel>(
      "Gumbel",
      [](torch::Tensor u) {
        const double tiny = std::numeric_limits<float>::min(),
                     eps = std::numeric_limits<float>::epsilon();
        return -(-(tiny + u.uniform_() * (1 - eps - tiny)).log()).log();
      },
      [](const torch::Tensor& z) { return -z - (-z).exp(); }));
  all.push_back(folded_case<dist::HalfNormal>("HalfNormal", normal, normal_log_prob));
  all.push_back(folded_case<dist::HalfCauchy>("HalfCauchy", cauchy, cauchy_log_prob));

  all.push_back(
      {"Gamma",
       {parameter(torch::full(shape, 2.5, options)), parameter(torch::full(shape, 1.5, options))},
       [](const auto& p) {
         const dist::Gamma gamma(p[0], p[1]);
         return gamma.log_prob(gamma.rsample()).sum();
       },
       [](const auto& p) {
         const auto& concentration = p[0];
         const auto& rate = p[1];
         const auto x = standard_gamma(concentration) / rate;
         return (at::xlogy(concentration, rate) + at::xlogy(concentration - 1, x) - rate * x -
                 at::lgamma(concentration))
             .sum();
       }});

  all.push_back(
      {"Beta",
       {parameter(torch::full(shape, 2.0, options)), parameter(torch::full(shape, 3.0, options))},
       [](const auto& p) {
         const dist::Beta beta(p[0], p[1]);
         return beta.log_prob(beta.rsample()).sum();
       },
       [](const auto& p) {
         const auto& a = p[0];
         const auto& b = p[1];
         const auto ga = standard_gamma(a), gb = standard_gamma(b);
         const double eps = std::numeric_limits<float>::epsilon();
         const auto x = (ga / (ga + gb)).clamp(std::numeric_limits<float>::min(), 1 - eps);
         return (at::xlogy(a - 1, x) + (b - 1) * at::log1p(-x) - at::lgamma(a) - at::lgamma(b) +
                 at::lgamma(a + b))
             .sum();
       }});

  all.push_back({"Dirichlet",
                 {parameter(torch::full(shape, 1.5, options))},
                 [](const auto& p) {
                   const dist::Dirichlet dirichlet(p[0]);
                   return dirichlet.log_prob(dirichlet.rsample()).sum();
                 },
                 [](const auto& p) {
                   const auto& concentration = p[0];
                   const auto gammas = standard_gamma(concentration);
                   const auto x = gammas / gammas.sum(-1, true);
                   return (at::xlogy(concentration - 1, x).sum(-1) +
                           at::lgamma(concentration.sum(-1)) - at::lgamma(concentration).sum(-1))
                       .sum();
                 }});

  all.push_back(
      {"StudentT",
       {parameter(torch::full(shape, 4.0, options)), parameter(torch::zeros(shape, options)),
        parameter(torch::full(shape, 2.0, options))},
       [](const auto& p) {
         const dist::StudentT student(p[0], p[1], p[2]);
         return student.log_prob(student.rsample()).sum();
       },
       [](const auto& p) {
         const auto& df = p[0];
         const auto& loc = p[1];
         const auto& scale = p[2];
         const auto normal = at::randn(df.sizes(), df.options());
         const auto chi2 = 2 * standard_gamma(0.5 * df);
         const auto x = loc + scale * normal * at::rsqrt(chi2 / df);
         const auto y = (x - loc) / scale;
         const auto log_normalizer = scale.log() + 0.5 * df.log() +
                                     0.5 * std::log(c10::pi<double>) + at::lgamma(0.5 * df) -
                                     at::lgamma(0.5 * (df + 1));
         return (-0.5 * (df + 1) * at::log1p(y.square() / df) - log_normalizer).sum();
       }});

  // loc (256, 50), one shared 50 x 50 scale_tril.
  const auto tril =
      torch::eye(kSize, options) + 0.1 * torch::ones({kSize, kSize}, options).tril(-1);
  all.push_back(
      {"MultivariateNormal",
       {parameter(torch::zeros(shape, options)), parameter(tril.clone())},
       [](const auto& p) {
         const auto mvn = dist::MultivariateNormal::from_scale_tril(p[0], p[1]);
         return mvn.log_prob(mvn.rsample()).sum();
       },
       [](const auto& p) {
         const auto& loc = p[0];
         const auto& scale_tril = p[1];
         const auto x = loc + at::randn(loc.sizes(), loc.options()).matmul(scale_tril.t());
         const auto whitened = at::linalg_solve_triangular(scale_tril, (x - loc).t(),
                                                           /*upper=*/false);
         const auto mahalanobis = whitened.square().sum(0);
         const auto half_log_det = scale_tril.diagonal().log().sum();
         return (-0.5 * (kSize * std::log(2 * c10::pi<double>) + mahalanobis) - half_log_det).sum();
       }});
  return all;
}

/// µs for `steps` steps of `step` (forward, backward, gradients cleared).
double time_block(const Case& c,
                  const std::function<torch::Tensor(const std::vector<torch::Tensor>&)>& step,
                  int steps) {
  const auto start = Clock::now();
  for (int i = 0; i < steps; ++i) {
    step(c.parameters).backward();
    for (const auto& p : c.parameters) p.mutable_grad().reset();
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / steps;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  ppl::bench::parse_int_options(argc, argv,
                                {{"--threads", &o.threads},
                                 {"--blocks", &o.blocks},
                                 {"--block-steps", &o.block_steps},
                                 {"--warmup", &o.warmup}});
  ppl::bench::configure_run(o.threads);
  torch::manual_seed(0);
  nlohmann::json out = nlohmann::json::object();
  for (const Case& c : cases()) {
    std::cerr << c.name << "\n";
    time_block(c, c.ppl_step, o.warmup);
    time_block(c, c.raw_step, o.warmup);
    std::vector<double> ppl_us, raw_us;
    for (int block = 0; block < o.blocks; ++block) {
      // Alternate which side goes first so that neither always follows the other.
      if (block % 2 == 0) {
        ppl_us.push_back(time_block(c, c.ppl_step, o.block_steps));
        raw_us.push_back(time_block(c, c.raw_step, o.block_steps));
      } else {
        raw_us.push_back(time_block(c, c.raw_step, o.block_steps));
        ppl_us.push_back(time_block(c, c.ppl_step, o.block_steps));
      }
    }
    const double ppl = ppl::bench::median(ppl_us), raw = ppl::bench::median(raw_us);
    out[c.name] = {{"ppl_us", ppl}, {"raw_us", raw}, {"ratio", ppl / raw}};
  }
  out["shape"] = {kBatch, kSize};
  out["step"] = "build from parameters, rsample, log_prob, sum, backward";
  std::cout << out.dump(2) << "\n";
}
