// One training step of the tutorial VAE: ppl (SVI + Trace_ELBO + Adam) against the same math
// written directly in LibTorch, in one process, in rotating blocks so drift cancels. Two
// hand-written baselines: with torch::optim::Adam, and with ppl's Adam update written inline
// (same arithmetic, so that ratio isolates ppl's runtime overhead).
//
// Prints one JSON object to stdout; progress goes to stderr.
#include <models/vae.h>
#include <ppl/ppl.h>

#include "bench/bench_util.h"

#include <c10/util/MathConstants.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int threads = 1;
  int blocks = 15;       ///< alternating blocks per method and batch size
  int block_steps = 20;  ///< steps per block at batch 256; 4x that below (shorter steps)
  int warmup = 10;       ///< untimed steps per method and batch size
  std::vector<int64_t> batch_sizes = {256, 32, 8};
};

Options parse(int argc, char** argv) {
  Options o;
  ppl::bench::parse_int_options(argc, argv,
                                {{"--threads", &o.threads},
                                 {"--blocks", &o.blocks},
                                 {"--block-steps", &o.block_steps},
                                 {"--warmup", &o.warmup}});
  return o;
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

const double kHalfLog2Pi = 0.5 * std::log(2 * c10::pi<double>);

/// Adam written out in place, exactly as ppl::optim::Adam updates (one temporary per
/// parameter). torch::optim::Adam does the same math with one more full-size temporary, which
/// with glibc's default malloc costs an mmap and fresh page faults per large parameter per step.
class InlineAdam {
 public:
  InlineAdam(std::vector<torch::Tensor> params, double lr) : params_(std::move(params)), lr_(lr) {
    for (const auto& p : params_) {
      exp_avg_.push_back(torch::zeros_like(p));
      exp_avg_sq_.push_back(torch::zeros_like(p));
    }
  }

  void zero_grad() {
    for (auto& p : params_)
      if (p.grad().defined()) p.mutable_grad().zero_();
  }

  void step() {
    torch::NoGradGuard no_grad;
    constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8;
    ++step_;
    const double correction1 = 1 - std::pow(kBeta1, static_cast<double>(step_));
    const double root_correction2 = std::sqrt(1 - std::pow(kBeta2, static_cast<double>(step_)));
    for (size_t i = 0; i < params_.size(); ++i) {
      const auto& grad = params_[i].grad();
      exp_avg_[i].mul_(kBeta1).add_(grad, 1 - kBeta1);
      exp_avg_sq_[i].mul_(kBeta2).addcmul_(grad, grad, 1 - kBeta2);
      const auto denom = exp_avg_sq_[i].sqrt().add_(kEps * root_correction2);
      params_[i].addcdiv_(exp_avg_[i], denom, -lr_ * root_correction2 / correction1);
    }
  }

 private:
  std::vector<torch::Tensor> params_, exp_avg_, exp_avg_sq_;
  double lr_;
  int64_t step_ = 0;
};

/// The VAE step by hand: same networks, same estimator, same Bernoulli numerics as ppl.
template <class Optimizer>
class HandVAE {
 public:
  HandVAE(ppl::models::VAE vae, Optimizer optimizer)
      : vae_(std::move(vae)),
        optimizer_(std::move(optimizer)),
        eps_(std::numeric_limits<float>::epsilon()) {}

  double step(const torch::Tensor& x) {
    optimizer_.zero_grad();
    const auto q = vae_->encoder->forward(x);
    const auto &z_loc = q.loc(), &z_scale = q.scale(), &z_log_scale = q.log_scale();
    auto z = z_loc + torch::randn_like(z_loc) * z_scale;
    auto probs = vae_->decoder->forward(z).loc;
    auto log_prior = -0.5 * z.square() - kHalfLog2Pi;
    auto log_lik =
        -torch::binary_cross_entropy(probs.clamp(eps_, 1 - eps_), x, {}, at::Reduction::None);
    auto log_q = -0.5 * ((z - z_loc) * (-z_log_scale).exp()).square() - z_log_scale - kHalfLog2Pi;
    auto loss = -(log_prior.sum() + log_lik.sum() - log_q.sum());
    loss.backward();
    optimizer_.step();
    return loss.item<double>();
  }

 private:
  ppl::models::VAE vae_;
  Optimizer optimizer_;
  double eps_;
};

/// One way of taking a step, with its timings.
struct Method {
  Method(std::string name, std::function<double(const torch::Tensor&)> step)
      : name(std::move(name)), step(std::move(step)) {}

  std::string name;
  std::function<double(const torch::Tensor&)> step;
  std::vector<double> seconds;
  int64_t cursor = 0;
  double last_loss = 0;

  /// `steps` steps cycling through `batches`; timed ones are recorded.
  void run(const std::vector<torch::Tensor>& batches, int steps, bool timed) {
    for (int i = 0; i < steps; ++i) {
      const auto& x = batches[cursor++ % batches.size()];
      const auto start = Clock::now();
      last_loss = step(x);
      const std::chrono::duration<double> elapsed = Clock::now() - start;
      if (timed) seconds.push_back(elapsed.count());
    }
  }
};

/// A fresh VAE with the parameters of `source`.
ppl::models::VAE copy_of(const ppl::models::VAE& source) {
  ppl::models::VAE copy;
  torch::NoGradGuard no_grad;
  auto from = source->parameters();
  auto to = copy->parameters();
  for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  return copy;
}

nlohmann::json bench_batch(const Options& o, int64_t batch_size) {
  constexpr int kNumBatches = 8;
  constexpr double kLr = 1e-3;
  torch::manual_seed(1234);
  std::vector<torch::Tensor> batches;
  for (int i = 0; i < kNumBatches; ++i) batches.push_back(torch::rand({batch_size, 784}));

  // Identically initialised networks; ppl's lives in a param store of its own.
  ppl::models::VAE ppl_vae;
  ppl::models::VAE torch_adam_vae = copy_of(ppl_vae), inline_adam_vae = copy_of(ppl_vae);
  ppl::ParamStore store;
  ppl::ParamStoreScope store_scope(store);
  ppl::infer::SVI svi([&](const torch::Tensor& x) { ppl_vae->model(x); },
                      [&](const torch::Tensor& x) { ppl_vae->guide(x); }, ppl::optim::Adam(kLr),
                      ppl::infer::Trace_ELBO());
  HandVAE<torch::optim::Adam> torch_adam(
      torch_adam_vae,
      torch::optim::Adam(torch_adam_vae->parameters(), torch::optim::AdamOptions(kLr)));
  HandVAE<InlineAdam> inline_adam(inline_adam_vae, InlineAdam(inline_adam_vae->parameters(), kLr));

  std::vector<Method> methods;
  methods.emplace_back("ppl", [&](const torch::Tensor& x) { return svi.step(x); });
  methods.emplace_back("hand_torch_adam",
                       [&](const torch::Tensor& x) { return torch_adam.step(x); });
  methods.emplace_back("hand_inline_adam",
                       [&](const torch::Tensor& x) { return inline_adam.step(x); });
  for (auto& m : methods) m.run(batches, o.warmup, /*timed=*/false);
  const size_t n = methods.size();
  const int block_steps = batch_size >= 256 ? o.block_steps : 4 * o.block_steps;
  for (int block = 0; block < o.blocks; ++block)  // rotate which method goes first
    for (size_t i = 0; i < n; ++i) methods[(block + i) % n].run(batches, block_steps, true);

  nlohmann::json out = {{"batch_size", batch_size},
                        {"timed_steps_per_method", methods[0].seconds.size()}};
  const double per_image = 1.0 / static_cast<double>(batch_size);
  std::cerr << "batch " << batch_size << ":";
  for (const auto& m : methods) {
    out[m.name] = {{"median_ms", ppl::bench::median(m.seconds) * 1e3},
                   {"mean_ms", mean(m.seconds) * 1e3},
                   {"last_loss_per_image", m.last_loss * per_image}};
    std::cerr << " " << m.name << " " << ppl::bench::median(m.seconds) * 1e3 << " ms";
  }
  const double ppl_median = ppl::bench::median(methods[0].seconds);
  for (size_t i = 1; i < n; ++i) {
    const double ratio = ppl_median / ppl::bench::median(methods[i].seconds);
    out["ratio_ppl_to_" + methods[i].name] = ratio;
    std::cerr << ", ppl/" << methods[i].name << " " << ratio;
  }
  std::cerr << "\n";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  ppl::bench::configure_run(o.threads);

  nlohmann::json results = nlohmann::json::array();
  for (int64_t batch_size : o.batch_sizes) results.push_back(bench_batch(o, batch_size));
  nlohmann::json out = {
      {"bench", "vae_step"},
      {"model", "tutorial VAE, z_dim 50, hidden_dim 400, Adam lr 1e-3"},
      {"methods",
       {{"ppl", "SVI + Trace_ELBO + ppl::optim::Adam"},
        {"hand_torch_adam", "the same step in LibTorch with torch::optim::Adam"},
        {"hand_inline_adam", "the same step in LibTorch with ppl's in-place Adam update inline"}}},
      {"threads", o.threads},
      {"blocks", o.blocks},
      {"block_steps_at_batch_256", o.block_steps},
      {"block_steps_below_256", 4 * o.block_steps},
      {"warmup_steps", o.warmup},
      {"batches", results}};
  std::cout << out.dump(2) << std::endl;
  return 0;
}
