#pragma once
// Small discrete models with exact answers by brute force, shared by the enumeration suites.

#include <ppl/ppl.h>

#include <cmath>
#include <vector>

namespace ppl::testing {

inline torch::Tensor normal_log_density(const torch::Tensor& x, const torch::Tensor& mean,
                                        double scale) {
  return -0.5 * ((x - mean) / scale).pow(2) - std::log(scale) - 0.5 * std::log(2 * M_PI);
}

/// a ~ Cat(pa); b ~ Cat(pb[a]); for each of the N data: c ~ Bernoulli(pc[b]),
/// x ~ Normal(loc[b] + c, 1). Parameters are leaf tensors, for exact gradients.
struct BranchingModel {
  torch::Tensor pa = torch::tensor({0.3, 0.7}, torch::kDouble).requires_grad_();
  torch::Tensor pb =
      torch::tensor({0.2, 0.5, 0.3, 0.6, 0.1, 0.3}, torch::kDouble).view({2, 3}).requires_grad_();
  torch::Tensor pc = torch::tensor({0.25, 0.5, 0.9}, torch::kDouble).requires_grad_();
  torch::Tensor loc = torch::tensor({-1.0, 0.5, 2.0}, torch::kDouble).requires_grad_();
  torch::Tensor data = torch::tensor({0.3, 2.2, -0.7, 1.4}, torch::kDouble);

  std::vector<torch::Tensor> parameters() const { return {pa, pb, pc, loc}; }

  void operator()() const {
    auto a = ppl::sample("a", dist::Categorical(pa));
    auto b = ppl::sample("b", dist::Categorical(pb.index({a})));
    ppl::plate plate("data", data.size(0));
    auto c = ppl::sample("c", dist::Bernoulli(pc.index({b})));
    ppl::sample("x", dist::Normal(loc.index({b}) + c, 1.0), data);
  }

  /// One assignment of every discrete site: a, b and the bits of c.
  struct Assignment {
    int64_t a, b;
    std::vector<int64_t> c;
  };

  /// Every assignment with its log joint density log p(a, b, c, x).
  std::vector<std::pair<Assignment, torch::Tensor>> joint() const {
    std::vector<std::pair<Assignment, torch::Tensor>> result;
    const int64_t n = data.size(0);
    for (int64_t a = 0; a < 2; ++a)
      for (int64_t b = 0; b < 3; ++b)
        for (int64_t bits = 0; bits < (1 << n); ++bits) {
          Assignment assignment{a, b, {}};
          torch::Tensor total = (pa[a] / pa.sum()).log() + (pb[a][b] / pb[a].sum()).log();
          for (int64_t i = 0; i < n; ++i) {
            const int64_t c = (bits >> i) & 1;
            assignment.c.push_back(c);
            total = total + (c ? pc[b] : 1 - pc[b]).log() +
                    normal_log_density(data[i], loc[b] + static_cast<double>(c), 1.0);
          }
          result.emplace_back(assignment, total);
        }
    return result;
  }

  /// log p(x), summing every assignment.
  torch::Tensor log_marginal() const {
    std::vector<torch::Tensor> terms;
    for (const auto& [assignment, log_p] : joint()) terms.push_back(log_p);
    return torch::logsumexp(torch::stack(terms), 0);
  }
};

/// A K-state HMM: x_0 ~ Cat(init), x_t ~ Cat(trans[x_{t-1}]), y_t ~ Normal(locs[x_t], scale),
/// written with ppl::markov. Parameters are leaf tensors.
struct HiddenMarkovModel {
  torch::Tensor init = torch::tensor({0.5, 0.3, 0.2}, torch::kDouble).requires_grad_();
  torch::Tensor trans =
      torch::tensor({0.8, 0.15, 0.05, 0.1, 0.7, 0.2, 0.2, 0.2, 0.6}, torch::kDouble)
          .view({3, 3})
          .requires_grad_();
  torch::Tensor locs = torch::tensor({-2.0, 0.0, 2.5}, torch::kDouble).requires_grad_();
  double scale = 1.0;
  torch::Tensor data;  // (T,)

  std::vector<torch::Tensor> parameters() const { return {init, trans, locs}; }

  void operator()() const {
    torch::Tensor x;
    for (int64_t t : ppl::markov(data.size(0))) {
      auto probs = t == 0 ? init : trans.index({x});
      x = ppl::sample("x_" + std::to_string(t), dist::Categorical(probs));
      ppl::sample("y_" + std::to_string(t), dist::Normal(locs.index({x}), scale), data[t]);
    }
  }

  /// log p(y) by the forward algorithm.
  torch::Tensor log_marginal() const {
    // Categorical normalizes its probs: so does the reference, for the gradients to agree.
    const torch::Tensor log_trans = (trans / trans.sum(-1, true)).log();
    torch::Tensor alpha = (init / init.sum()).log() + normal_log_density(data[0], locs, scale);
    for (int64_t t = 1; t < data.size(0); ++t)
      alpha = torch::logsumexp(alpha.view({3, 1}) + log_trans, 0) +
              normal_log_density(data[t], locs, scale);
    return torch::logsumexp(alpha, 0);
  }

  /// The most probable state sequence by the Viterbi algorithm.
  std::vector<int64_t> viterbi() const {
    torch::NoGradGuard no_grad;
    const int64_t n = data.size(0);
    std::vector<torch::Tensor> back;
    torch::Tensor delta = init.log() + normal_log_density(data[0], locs, scale);
    for (int64_t t = 1; t < n; ++t) {
      auto [best, arg] = torch::max(delta.view({3, 1}) + trans.log(), 0);
      back.push_back(arg);
      delta = best + normal_log_density(data[t], locs, scale);
    }
    std::vector<int64_t> path(n);
    path[n - 1] = delta.argmax().item<int64_t>();
    for (int64_t t = n - 1; t > 0; --t) path[t - 1] = back[t - 1][path[t]].item<int64_t>();
    return path;
  }

  /// A state sequence and observations drawn from the model.
  static torch::Tensor simulate(const HiddenMarkovModel& hmm, int64_t length, uint64_t seed) {
    torch::NoGradGuard no_grad;
    auto generator = at::detail::createCPUGenerator(seed);
    std::vector<double> ys;
    int64_t x = torch::multinomial(hmm.init, 1, false, generator).item<int64_t>();
    for (int64_t t = 0; t < length; ++t) {
      if (t > 0) x = torch::multinomial(hmm.trans[x], 1, false, generator).item<int64_t>();
      ys.push_back(hmm.locs[x].item<double>() +
                   hmm.scale * torch::randn({}, generator, torch::kDouble).item<double>());
    }
    return torch::tensor(ys, torch::kDouble);
  }
};

}  // namespace ppl::testing
