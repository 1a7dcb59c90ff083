#pragma once
// KL divergence in closed form, from a registry keyed on the distributions' dynamic types.
//
// Registered, each with itself: Normal, Bernoulli, Categorical, OneHotCategorical, Uniform, Beta,
// Gamma, Dirichlet, Exponential, Laplace, Poisson, Geometric, MultivariateNormal,
// LowRankMultivariateNormal; and Uniform-Normal, Gamma-Exponential, TransformedDistribution pairs
// (LogNormal included) with equal transforms (their bases' KL), Independent-Independent over any
// registered base pair. Add a pair with `register_kl`:
//
//   ppl::dist::register_kl<MyDist, ppl::dist::Normal>(
//       [](const MyDist& p, const ppl::dist::Normal& q) { return ...; });

#include "ppl/distributions/distribution.h"

#include <functional>
#include <typeindex>

namespace ppl::dist {

/// KL(p || q) for one pair of types: a tensor of the broadcast of p's and q's batch shapes.
using KLFunction = std::function<torch::Tensor(const Distribution& p, const Distribution& q)>;

/// Registers `kl` for p of exactly `p_type` and q of exactly `q_type` (no lookup through base
/// classes), replacing an earlier registration of the pair. Safe to call from any thread.
void register_kl(std::type_index p_type, std::type_index q_type, KLFunction kl);

/// `kl(const P& p, const Q& q)` as a KLFunction for distributions of exactly P and Q.
template <class P, class Q, class Fn>
KLFunction typed_kl(Fn kl) {
  return [kl](const Distribution& p, const Distribution& q) {
    return kl(static_cast<const P&>(p), static_cast<const Q&>(q));
  };
}

/// Registers `kl(const P& p, const Q& q)` for KL(P || Q).
template <class P, class Q, class Fn>
void register_kl(Fn kl) {
  register_kl(typeid(P), typeid(Q), typed_kl<P, Q>(std::move(kl)));
}

/// The KL registered for the dynamic types of `p` and `q`, or an empty function when there is
/// none. A pair of Independents has one when their bases have one.
KLFunction find_kl(const Distribution& p, const Distribution& q);

/// KL(p || q) in closed form; std::invalid_argument naming both types when no KL is registered
/// for them. It is +inf where q gives zero mass to part of p's support.
torch::Tensor kl_divergence(const Distribution& p, const Distribution& q);

}  // namespace ppl::dist
