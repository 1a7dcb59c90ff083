#include "ppl/distributions/kl.h"

#include "ppl/distributions/bernoulli.h"
#include "ppl/distributions/beta.h"
#include "ppl/distributions/categorical.h"
#include "ppl/distributions/dirichlet.h"
#include "ppl/distributions/exponential.h"
#include "ppl/distributions/gamma.h"
#include "ppl/distributions/geometric.h"
#include "ppl/distributions/laplace.h"
#include "ppl/distributions/log_normal.h"
#include "ppl/distributions/lowrank_multivariate_normal.h"
#include "ppl/distributions/multivariate_normal.h"
#include "ppl/distributions/normal.h"
#include "ppl/distributions/one_hot_categorical.h"
#include "ppl/distributions/poisson.h"
#include "ppl/distributions/transformed_distribution.h"
#include "ppl/distributions/uniform.h"

#include <c10/util/MathConstants.h>

#include <fmt/format.h>

#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>

namespace ppl::dist {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

torch::Tensor kl_normal_normal(const Normal& p, const Normal& q) {
  if (p.has_log_scale() || q.has_log_scale()) {  // through the log-scales: no log, no division
    const auto q_log_scale = q.log_scale();
    const auto log_ratio = p.log_scale() - q_log_scale;
    const auto mean_term = ((p.loc() - q.loc()) * (-q_log_scale).exp()).square();
    return 0.5 * ((2 * log_ratio).exp() + mean_term - 1) - log_ratio;
  }
  const auto variance_ratio = (p.scale() / q.scale()).square();
  const auto mean_term = ((p.loc() - q.loc()) / q.scale()).square();
  return 0.5 * (variance_ratio + mean_term - 1 - variance_ratio.log());
}

/// As PyTorch: through the logits (finite even at probs 0 and 1), then +inf where q excludes an
/// outcome p can take and 0 for the outcomes p excludes.
torch::Tensor kl_bernoulli_bernoulli(const Bernoulli& p, const Bernoulli& q) {
  const auto p_probs = p.probs(), q_probs = q.probs();
  const auto p_logits = p.logits(), q_logits = q.logits();
  const auto one_term = (p_probs * (at::softplus(-q_logits) - at::softplus(-p_logits)))
                            .masked_fill(q_probs == 0, kInf)
                            .masked_fill(p_probs == 0, 0);
  const auto zero_term = ((1 - p_probs) * (at::softplus(q_logits) - at::softplus(p_logits)))
                             .masked_fill(q_probs == 1, kInf)
                             .masked_fill(p_probs == 1, 0);
  return one_term + zero_term;
}

torch::Tensor kl_categorical_categorical(const Categorical& p, const Categorical& q) {
  if (p.num_categories() != q.num_categories()) {
    throw std::invalid_argument(
        fmt::format("kl_divergence(Categorical, Categorical): p has {} categories but q has {}",
                    p.num_categories(), q.num_categories()));
  }
  const auto p_probs = p.probs();
  return (p_probs * (p.logits() - q.logits()))
      .masked_fill(q.probs() == 0, kInf)
      .masked_fill(p_probs == 0, 0)
      .sum(-1);
}

torch::Tensor kl_uniform_uniform(const Uniform& p, const Uniform& q) {
  return ((q.high() - q.low()) / (p.high() - p.low()))
      .log()
      .masked_fill((q.low() > p.low()) | (q.high() < p.high()), kInf);
}

torch::Tensor kl_beta_beta(const Beta& p, const Beta& q) {
  const auto &a1 = p.concentration1(), &a0 = p.concentration0();
  const auto &b1 = q.concentration1(), &b0 = q.concentration0();
  const auto p_total = a1 + a0, q_total = b1 + b0;
  return b1.lgamma() + b0.lgamma() + p_total.lgamma() - a1.lgamma() - a0.lgamma() -
         q_total.lgamma() + (a1 - b1) * a1.digamma() + (a0 - b0) * a0.digamma() +
         (q_total - p_total) * p_total.digamma();
}

torch::Tensor kl_gamma_gamma(const Gamma& p, const Gamma& q) {
  const auto &a = p.concentration(), &b = q.concentration();
  return b * (p.rate() / q.rate()).log() + b.lgamma() - a.lgamma() + (a - b) * a.digamma() +
         (q.rate() - p.rate()) * (a / p.rate());
}

torch::Tensor kl_gamma_exponential(const Gamma& p, const Exponential& q) {
  return -p.entropy() - q.rate().log() + q.rate() * (p.concentration() / p.rate());
}

torch::Tensor kl_dirichlet_dirichlet(const Dirichlet& p, const Dirichlet& q) {
  const auto &a = p.concentration(), &b = q.concentration();
  const auto a_total = a.sum(-1);
  return a_total.lgamma() - b.sum(-1).lgamma() - (a.lgamma() - b.lgamma()).sum(-1) +
         ((a - b) * (a.digamma() - a_total.digamma().unsqueeze(-1))).sum(-1);
}

torch::Tensor kl_exponential_exponential(const Exponential& p, const Exponential& q) {
  const auto rate_ratio = q.rate() / p.rate();
  return rate_ratio - rate_ratio.log() - 1;
}

torch::Tensor kl_laplace_laplace(const Laplace& p, const Laplace& q) {
  const auto scale_ratio = p.scale() / q.scale();
  const auto distance = (p.loc() - q.loc()).abs();
  return distance / q.scale() + scale_ratio * (-distance / p.scale()).exp() - scale_ratio.log() - 1;
}

/// rate_p log(rate_p / rate_q) - (rate_p - rate_q), with 0 log 0 = 0.
torch::Tensor kl_poisson_poisson(const Poisson& p, const Poisson& q) {
  return at::xlogy(p.rate(), p.rate()) - at::xlogy(p.rate(), q.rate()) - (p.rate() - q.rate());
}

torch::Tensor kl_geometric_geometric(const Geometric& p, const Geometric& q) {
  return -p.entropy() - (-q.probs()).log1p() / p.probs() - q.logits();
}

/// As Categorical's, over the one-hot vectors.
torch::Tensor kl_one_hot_one_hot(const OneHotCategorical& p, const OneHotCategorical& q) {
  if (p.event_shape() != q.event_shape()) {
    throw std::invalid_argument(fmt::format(
        "kl_divergence(OneHotCategorical, OneHotCategorical): p has {} categories but q has {}",
        p.event_shape().back(), q.event_shape().back()));
  }
  const auto p_probs = p.probs();
  const auto q_probs = q.probs();
  return (p_probs * (p.logits().log_softmax(-1) - q.logits().log_softmax(-1)))
      .masked_fill(q_probs == 0, kInf)
      .masked_fill(p_probs == 0, 0)
      .sum(-1);
}

/// KL between Gaussians given by their means and lower Cholesky factors:
/// log(det L_q / det L_p) + (|L_q⁻¹ L_p|²_F + |L_q⁻¹ (loc_q - loc_p)|² - n) / 2.
torch::Tensor kl_gaussian_gaussian(const torch::Tensor& p_loc, const torch::Tensor& p_tril,
                                   const torch::Tensor& q_loc, const torch::Tensor& q_tril) {
  const auto n = static_cast<double>(p_loc.size(-1));
  if (p_loc.size(-1) != q_loc.size(-1)) {
    throw std::invalid_argument(fmt::format("kl_divergence: p has event size {} but q has {}",
                                            p_loc.size(-1), q_loc.size(-1)));
  }
  const auto half_log_det_ratio =
      q_tril.diagonal(0, -2, -1).log().sum(-1) - p_tril.diagonal(0, -2, -1).log().sum(-1);
  const auto matrix_shape =
      broadcast_shapes(p_tril.sizes(), q_tril.sizes(), "kl_divergence: scale_tril");
  const auto trace =
      at::linalg_solve_triangular(q_tril.expand(matrix_shape), p_tril.expand(matrix_shape),
                                  /*upper=*/false)
          .square()
          .sum({-2, -1});
  const auto mahalanobis = batch_mahalanobis(q_tril, q_loc - p_loc);
  return half_log_det_ratio + 0.5 * (trace + mahalanobis - n);
}

torch::Tensor kl_mvn_mvn(const MultivariateNormal& p, const MultivariateNormal& q) {
  return kl_gaussian_gaussian(p.loc(), p.scale_tril(), q.loc(), q.scale_tril());
}

torch::Tensor kl_lowrank_lowrank(const LowRankMultivariateNormal& p,
                                 const LowRankMultivariateNormal& q) {
  return kl_gaussian_gaussian(p.loc(), p.scale_tril(), q.loc(), q.scale_tril());
}

torch::Tensor kl_uniform_normal(const Uniform& p, const Normal& q) {
  const auto width = p.high() - p.low();
  const auto centre_offset = (p.high() + p.low()) / 2 - q.loc();
  return (std::sqrt(2 * c10::pi<double>) * q.scale() / width).log() +
         0.5 * (width.square() / 12 + centre_offset.square()) / q.scale().square();
}

/// KL of two distributions pushed through equal transforms is the KL of their bases (the
/// Jacobian terms cancel), summed over base batch dims that the transforms made event dims.
torch::Tensor kl_transformed_transformed(const TransformedDistribution& p,
                                         const TransformedDistribution& q) {
  const auto& p_transforms = p.transforms();
  const auto& q_transforms = q.transforms();
  bool equal = p_transforms.size() == q_transforms.size() && p.event_shape() == q.event_shape();
  for (size_t i = 0; equal && i < p_transforms.size(); ++i)
    equal = p_transforms[i]->equals(*q_transforms[i]);
  if (!equal) {
    throw std::invalid_argument(fmt::format(
        "kl_divergence({}, {}): the transforms or event shapes differ; only transformed "
        "distributions with equal transforms have a closed-form KL",
        p.name(), q.name()));
  }
  const auto base_kl = kl_divergence(*p.base(), *q.base());
  return sum_rightmost(base_kl, base_kl.dim() - static_cast<int64_t>(p.batch_shape().size()));
}

torch::Tensor kl_independent_independent(const Independent& p, const Independent& q) {
  if (p.reinterpreted_batch_ndims() != q.reinterpreted_batch_ndims()) {
    throw std::invalid_argument(fmt::format(
        "kl_divergence(Independent, Independent): p reinterprets {} batch dims as event dims but "
        "q reinterprets {}",
        p.reinterpreted_batch_ndims(), q.reinterpreted_batch_ndims()));
  }
  return p.sum_reinterpreted(kl_divergence(*p.base(), *q.base()));
}

/// The distribution's name, with its base's for an Independent: "Independent(Uniform)".
std::string describe(const Distribution& d) {
  const auto* independent = dynamic_cast<const Independent*>(&d);
  return independent ? fmt::format("Independent({})", describe(*independent->base())) : d.name();
}

using TypePair = std::pair<std::type_index, std::type_index>;

class Registry {
 public:
  Registry() {
    add<Normal, Normal>(kl_normal_normal);
    add<Bernoulli, Bernoulli>(kl_bernoulli_bernoulli);
    add<Categorical, Categorical>(kl_categorical_categorical);
    add<Uniform, Uniform>(kl_uniform_uniform);
    add<Independent, Independent>(kl_independent_independent);
    add<Uniform, Normal>(kl_uniform_normal);
    add<Beta, Beta>(kl_beta_beta);
    add<Gamma, Gamma>(kl_gamma_gamma);
    add<Gamma, Exponential>(kl_gamma_exponential);
    add<Dirichlet, Dirichlet>(kl_dirichlet_dirichlet);
    add<Exponential, Exponential>(kl_exponential_exponential);
    add<Laplace, Laplace>(kl_laplace_laplace);
    add<Poisson, Poisson>(kl_poisson_poisson);
    add<Geometric, Geometric>(kl_geometric_geometric);
    add<OneHotCategorical, OneHotCategorical>(kl_one_hot_one_hot);
    add<MultivariateNormal, MultivariateNormal>(kl_mvn_mvn);
    add<LowRankMultivariateNormal, LowRankMultivariateNormal>(kl_lowrank_lowrank);
    add<TransformedDistribution, TransformedDistribution>(kl_transformed_transformed);
    add<LogNormal, LogNormal>(kl_transformed_transformed);
  }

  void set(const TypePair& types, KLFunction kl) {
    std::lock_guard<std::mutex> lock(mutex_);
    functions_[types] = std::move(kl);
  }

  KLFunction get(const TypePair& types) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = functions_.find(types);
    return it == functions_.end() ? KLFunction() : it->second;
  }

 private:
  template <class P, class Q, class P_ = P, class Q_ = Q>
  void add(torch::Tensor (*kl)(const P_&, const Q_&)) {
    functions_[{typeid(P), typeid(Q)}] = typed_kl<P_, Q_>(kl);
  }

  mutable std::mutex mutex_;
  std::map<TypePair, KLFunction> functions_;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

void register_kl(std::type_index p_type, std::type_index q_type, KLFunction kl) {
  registry().set({p_type, q_type}, std::move(kl));
}

KLFunction find_kl(const Distribution& p, const Distribution& q) {
  const auto* p_independent = dynamic_cast<const Independent*>(&p);
  const auto* q_independent = dynamic_cast<const Independent*>(&q);
  if (p_independent && q_independent && !find_kl(*p_independent->base(), *q_independent->base()))
    return {};
  return registry().get({typeid(p), typeid(q)});
}

torch::Tensor kl_divergence(const Distribution& p, const Distribution& q) {
  // What `expand` returns stands for the distribution it holds.
  if (const auto* expanded = dynamic_cast<const Expanded*>(&p)) return kl_divergence(**expanded, q);
  if (const auto* expanded = dynamic_cast<const Expanded*>(&q)) return kl_divergence(p, **expanded);
  const KLFunction kl = find_kl(p, q);
  if (!kl) {
    throw std::invalid_argument(fmt::format(
        "kl_divergence: no KL registered for p = {} and q = {} (see ppl::dist::register_kl)",
        describe(p), describe(q)));
  }
  return kl(p, q);
}

}  // namespace ppl::dist
