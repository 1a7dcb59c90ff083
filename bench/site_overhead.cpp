// Cost of a sample site: SVI steps on a model with K scalar latent sites z_k ~ N(0, 1) and one
// observed site, and a guide with K sites N(loc_k, 1), loc_k = ppl::param. The time per step
// should grow linearly in K; the slope is the runtime's cost per site (model site, guide site
// and guide param together). The same step hand-written in LibTorch gives the floor.
//
// Prints one JSON object to stdout; progress goes to stderr.
#include <ppl/ppl.h>

#include "bench/bench_util.h"

#include <c10/util/MathConstants.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int threads = 1;
  int warmup = 200;       ///< untimed steps per K
  int blocks = 10;        ///< blocks per K, interleaved across the Ks
  int block_steps = 100;  ///< steps per block
  std::vector<int64_t> sizes = {1, 10, 100};
};

Options parse(int argc, char** argv) {
  Options o;
  ppl::bench::parse_int_options(argc, argv,
                                {{"--threads", &o.threads},
                                 {"--warmup", &o.warmup},
                                 {"--blocks", &o.blocks},
                                 {"--block-steps", &o.block_steps}});
  return o;
}

/// K latent sites; names and constant tensors are made once, so a step measures the runtime.
class Sites {
 public:
  explicit Sites(int64_t k) : zero_(torch::zeros({})), one_(torch::ones({})) {
    for (int64_t i = 0; i < k; ++i) {
      z_names_.push_back("z_" + std::to_string(i));
      loc_names_.push_back("loc_" + std::to_string(i));
    }
  }

  /// z_k ~ N(0, 1); obs ~ N(z_0, 1).
  void model(const torch::Tensor& obs) const {
    torch::Tensor first;
    for (const auto& name : z_names_) {
      auto z = ppl::sample(name, ppl::dist::Normal(zero_, one_));
      if (!first.defined()) first = z;
    }
    ppl::sample(obs_name_, ppl::dist::Normal(first, one_), obs);
  }

  /// z_k ~ N(loc_k, 1).
  void guide(const torch::Tensor& /*obs*/) const {
    for (size_t i = 0; i < z_names_.size(); ++i) {
      auto loc = ppl::param(loc_names_[i], [] { return torch::zeros({}); });
      ppl::sample(z_names_[i], ppl::dist::Normal(loc, one_));
    }
  }

 private:
  std::vector<std::string> z_names_, loc_names_;
  const std::string obs_name_ = "obs";
  torch::Tensor zero_, one_;
};

/// The same K-site step written directly in LibTorch, with ppl's Normal log-density formula:
/// z_k = loc_k + eps_k; loss = -(sum_k [log N(z_k; 0, 1) - log N(z_k; loc_k, 1)]
/// + log N(obs; z_0, 1)); Adam. The floor that LibTorch's own per-op costs put under ppl.
class HandSites {
 public:
  explicit HandSites(int64_t k)
      : zero_(torch::zeros({})),
        one_(torch::ones({})),
        locs_(make_locs(k)),
        optimizer_(locs_, torch::optim::AdamOptions(0.01)) {}

  double step(const torch::Tensor& obs) {
    optimizer_.zero_grad();
    torch::Tensor elbo, first;
    for (const auto& loc : locs_) {
      auto z = loc + torch::randn({}) * one_;
      if (!first.defined()) first = z;
      auto term = log_normal(z, zero_, one_) - log_normal(z, loc, one_);
      elbo = elbo.defined() ? elbo + term : term;
    }
    auto loss = -(elbo + log_normal(obs, first, one_));
    loss.backward();
    optimizer_.step();
    return loss.item<double>();
  }

 private:
  static std::vector<torch::Tensor> make_locs(int64_t k) {
    std::vector<torch::Tensor> locs;
    for (int64_t i = 0; i < k; ++i) locs.push_back(torch::zeros({}).requires_grad_());
    return locs;
  }
  static torch::Tensor log_normal(const torch::Tensor& value, const torch::Tensor& loc,
                                  const torch::Tensor& scale) {
    const auto z = (value - loc) / scale;
    return -0.5 * z.square() - scale.log() - kHalfLog2Pi;
  }
  static inline const double kHalfLog2Pi = 0.5 * std::log(2 * c10::pi<double>);

  torch::Tensor zero_, one_;
  std::vector<torch::Tensor> locs_;
  torch::optim::Adam optimizer_;
};

struct Case {
  int64_t k;
  std::unique_ptr<Sites> sites;
  std::unique_ptr<ppl::ParamStore> store;
  std::function<double(const torch::Tensor&)> ppl_step;
  std::unique_ptr<HandSites> hand;
  std::vector<double> ppl_us, hand_us;
};

template <class Step>
void run(Step&& step, const torch::Tensor& obs, int steps, std::vector<double>* times_us) {
  for (int i = 0; i < steps; ++i) {
    const auto start = Clock::now();
    step(obs);
    const std::chrono::duration<double, std::micro> elapsed = Clock::now() - start;
    if (times_us) times_us->push_back(elapsed.count());
  }
}

/// Runs `steps` steps of both versions, ppl in its own param store.
void run(Case& c, const torch::Tensor& obs, int steps, bool timed) {
  {
    ppl::ParamStoreScope scope(*c.store);
    run(c.ppl_step, obs, steps, timed ? &c.ppl_us : nullptr);
  }
  run([&](const torch::Tensor& x) { return c.hand->step(x); }, obs, steps,
      timed ? &c.hand_us : nullptr);
}

/// Per-K figures, and the slope and intercept of the line through K=10 and K=100.
nlohmann::json summarize(const std::vector<Case>& cases, std::vector<double> Case::*times,
                         const char* label) {
  nlohmann::json out = {{"by_k", nlohmann::json::array()}};
  std::map<int64_t, double> medians;
  for (const Case& c : cases) {
    const double us = ppl::bench::median(c.*times);
    medians[c.k] = us;
    std::cerr << "site_overhead " << label << ": K=" << c.k << ": " << us << " us/step, "
              << us / static_cast<double>(c.k) << " us/site\n";
    out["by_k"].push_back({{"k", c.k},
                           {"median_us_per_step", us},
                           {"us_per_site_total_over_k", us / static_cast<double>(c.k)},
                           {"timed_steps", (c.*times).size()}});
  }
  if (medians.count(10) && medians.count(100)) {
    const double slope = (medians[100] - medians[10]) / 90.0;
    const double intercept = medians[10] - 10 * slope;
    out["us_per_site_slope_10_100"] = slope;
    out["us_per_step_intercept"] = intercept;
    // Linearity: K=1 against the line through K=10 and K=100.
    if (medians.count(1)) out["k1_predicted_us"] = intercept + slope;
    std::cerr << "site_overhead " << label << ": slope " << slope << " us/site, intercept "
              << intercept << " us\n";
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  ppl::bench::configure_run(o.threads);
  torch::manual_seed(0);
  const auto obs = torch::full({}, 0.5);

  std::vector<Case> cases;
  for (int64_t k : o.sizes) {
    Case c{k,  std::make_unique<Sites>(k),     std::make_unique<ppl::ParamStore>(),
           {}, std::make_unique<HandSites>(k), {},
           {}};
    const Sites* sites = c.sites.get();
    ppl::infer::SVI svi([sites](const torch::Tensor& x) { sites->model(x); },
                        [sites](const torch::Tensor& x) { sites->guide(x); },
                        ppl::optim::Adam(0.01), ppl::infer::Trace_ELBO());
    c.ppl_step = [svi](const torch::Tensor& x) mutable { return svi.step(x); };
    cases.push_back(std::move(c));
  }
  for (Case& c : cases) run(c, obs, o.warmup, /*timed=*/false);
  for (int block = 0; block < o.blocks; ++block)
    for (Case& c : cases) run(c, obs, o.block_steps, /*timed=*/true);

  nlohmann::json out = {{"bench", "site_overhead"},
                        {"model", "K scalar sites z_k ~ N(0,1), obs ~ N(z_0,1); guide N(loc_k,1)"},
                        {"threads", o.threads},
                        {"warmup_steps", o.warmup},
                        {"ppl", summarize(cases, &Case::ppl_us, "ppl")},
                        {"hand", summarize(cases, &Case::hand_us, "hand")}};
  if (out["ppl"].contains("us_per_site_slope_10_100")) {
    out["ppl_minus_hand_us_per_site"] = out["ppl"]["us_per_site_slope_10_100"].get<double>() -
                                        out["hand"]["us_per_site_slope_10_100"].get<double>();
  }
  std::cout << out.dump(2) << std::endl;
  return 0;
}
