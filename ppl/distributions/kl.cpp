#include "ppl/distributions/kl.h"

#include "ppl/distributions/bernoulli.h"
#include "ppl/distributions/categorical.h"
#include "ppl/distributions/normal.h"
#include "ppl/distributions/uniform.h"

#include <fmt/format.h>

#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>

namespace ppl::dist {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

torch::Tensor kl_normal_normal(const Normal& p, const Normal& q) {
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
  template <class P, class Q>
  void add(torch::Tensor (*kl)(const P&, const Q&)) {
    functions_[{typeid(P), typeid(Q)}] = typed_kl<P, Q>(kl);
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
  const KLFunction kl = find_kl(p, q);
  if (!kl) {
    throw std::invalid_argument(fmt::format(
        "kl_divergence: no KL registered for p = {} and q = {} (see ppl::dist::register_kl)",
        describe(p), describe(q)));
  }
  return kl(p, q);
}

}  // namespace ppl::dist
