// kl_divergence: closed forms, Monte Carlo agreement, support edge cases, gradients, registry.
#include <doctest/doctest.h>
#include <ppl/distributions/kl.h>
#include <ppl/ppl.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <limits>

namespace test_kl {

using namespace ppl::dist;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

torch::Tensor f64(std::initializer_list<double> values) {
  return torch::tensor(std::vector<double>(values), torch::kDouble);
}

bool has_kl(const Distribution& p, const Distribution& q) {
  return static_cast<bool>(find_kl(p, q));
}

double kl_value(const Distribution& p, const Distribution& q) {
  return kl_divergence(p, q).item<double>();
}

/// The elements of `values`, flattened: "0.3494, 3.2903".
std::string as_text(const torch::Tensor& values) {
  const auto flat = values.reshape(-1).contiguous();
  const std::vector<double> elements(flat.data_ptr<double>(),
                                     flat.data_ptr<double>() + flat.numel());
  return fmt::format("{:.5g}", fmt::join(elements, ", "));
}

/// KL(p || q) estimated as the mean of log p(x) - log q(x) over `n` draws x ~ p (seed 0), and
/// the standard error of that mean; per batch element.
std::pair<torch::Tensor, torch::Tensor> monte_carlo_kl(const Distribution& p, const Distribution& q,
                                                       int64_t n) {
  auto generator = at::detail::createCPUGenerator(0);
  auto x = p.sample({n}, generator);
  auto log_ratio = p.log_prob(x) - q.log_prob(x);
  return {log_ratio.mean(0), log_ratio.std(0) / std::sqrt(static_cast<double>(n))};
}

/// The closed form within 4 standard errors of a 200000-draw Monte Carlo estimate.
void check_against_monte_carlo(const Distribution& p, const Distribution& q) {
  const auto kl = kl_divergence(p, q);
  const auto [estimate, standard_error] = monte_carlo_kl(p, q, 200000);
  MESSAGE(p.name() << " KL " << as_text(kl) << ", Monte Carlo " << as_text(estimate) << " +- "
                   << as_text(standard_error));
  CHECK(((kl - estimate).abs() <= 4 * standard_error + 1e-9).all().item<bool>());
}

/// A distribution with no KL registered for it (until the test below registers one).
class Exotic : public DistributionBase<Exotic> {
 public:
  Exotic() : DistributionBase({}, {}, std::nullopt) {}
  std::string name() const override { return "Exotic"; }
  torch::Tensor log_prob(const torch::Tensor& value) const override {
    return torch::zeros_like(value);
  }
  ppl::constraints::ConstraintPtr support() const override { return ppl::constraints::real; }
};

}  // namespace

TEST_CASE("Normal-Normal KL matches the closed form and broadcasts") {
  const Normal p(f64({1.0}), f64({2.0})), q(f64({-0.5}), f64({0.7}));
  const double expected = std::log(0.7 / 2.0) + (4.0 + 1.5 * 1.5) / (2 * 0.49) - 0.5;
  CHECK(kl_value(p, q) == doctest::Approx(expected).epsilon(1e-12));
  CHECK(kl_value(p, p) == 0.0);

  const Normal column(torch::zeros({2, 1}, torch::kDouble), 1.0);
  const Normal row(f64({0.0, 1.0, 2.0}), 1.0);
  const auto kl = kl_divergence(column, row);
  CHECK(kl.sizes() == torch::IntArrayRef({2, 3}));
  CHECK(torch::allclose(kl[1], f64({0.0, 0.5, 2.0})));
}

TEST_CASE("each registered KL agrees with a Monte Carlo estimate (float64, 4 standard errors)") {
  check_against_monte_carlo(Normal(f64({0.0, 1.0, -2.0}), f64({1.0, 0.5, 3.0})),
                            Normal(f64({0.5, -1.0, -2.0}), f64({2.0, 0.8, 1.0})));
  check_against_monte_carlo(Bernoulli(f64({0.2, 0.7, 0.95})), Bernoulli(f64({0.5, 0.1, 0.6})));
  check_against_monte_carlo(Categorical(f64({0.1, 0.2, 0.7})), Categorical(f64({0.3, 0.3, 0.4})));
  check_against_monte_carlo(Uniform(f64({0.0, 1.0}), f64({1.0, 1.5})),
                            Uniform(f64({-1.0, 0.0}), f64({2.0, 4.0})));
  check_against_monte_carlo(Normal(f64({0.0, 1.0}), f64({1.0, 0.5})).to_event(1),
                            Normal(f64({0.5, -1.0}), f64({2.0, 0.8})).to_event(1));
}

TEST_CASE(
    "the catalogue's KL pairs agree with Monte Carlo estimates (float64, 4 standard errors)") {
  const auto matrix = [](std::initializer_list<double> values, int64_t n) {
    return f64(values).reshape({n, n});
  };
  check_against_monte_carlo(Beta(f64({2.0, 0.5, 5.0}), f64({3.0, 0.7, 1.0})),
                            Beta(f64({1.0, 2.0, 4.0}), f64({1.5, 1.0, 2.0})));
  check_against_monte_carlo(Gamma(f64({2.0, 0.8}), f64({1.0, 3.0})),
                            Gamma(f64({3.0, 1.5}), f64({0.5, 2.0})));
  check_against_monte_carlo(Gamma(f64({2.0, 0.8}), f64({1.0, 3.0})), Exponential(f64({0.7, 2.0})));
  check_against_monte_carlo(Dirichlet(f64({2.0, 1.0, 0.5})), Dirichlet(f64({1.0, 1.0, 1.0})));
  check_against_monte_carlo(Exponential(f64({1.0, 0.2})), Exponential(f64({3.0, 0.5})));
  check_against_monte_carlo(Laplace(f64({0.0, 1.0}), f64({1.0, 0.3})),
                            Laplace(f64({0.5, -1.0}), f64({2.0, 1.0})));
  check_against_monte_carlo(Poisson(f64({3.0, 0.5})), Poisson(f64({1.0, 2.0})));
  check_against_monte_carlo(Geometric(f64({0.3, 0.8})), Geometric(f64({0.5, 0.4})));
  check_against_monte_carlo(OneHotCategorical(f64({0.1, 0.2, 0.7})),
                            OneHotCategorical(f64({0.3, 0.3, 0.4})));
  check_against_monte_carlo(Uniform(f64({0.0, 1.0}), f64({1.0, 3.0})),
                            Normal(f64({0.5, -1.0}), f64({2.0, 0.8})));
  check_against_monte_carlo(LogNormal(f64({0.0, 1.0}), f64({1.0, 0.5})),
                            LogNormal(f64({0.5, 0.0}), f64({2.0, 0.8})));
  const auto p_tril = matrix({1.0, 0.0, 0.0, 0.5, 2.0, 0.0, -0.3, 0.2, 0.7}, 3);
  const auto q_tril = matrix({1.5, 0.0, 0.0, -0.4, 1.0, 0.0, 0.1, 0.6, 1.2}, 3);
  check_against_monte_carlo(MultivariateNormal::from_scale_tril(f64({0.0, 1.0, -1.0}), p_tril),
                            MultivariateNormal::from_scale_tril(f64({0.5, 0.0, 0.0}), q_tril));
  check_against_monte_carlo(
      LowRankMultivariateNormal(f64({0.0, 1.0, -1.0}), f64({1.0, 0.5, -0.2}).reshape({3, 1}),
                                f64({0.5, 1.0, 2.0})),
      LowRankMultivariateNormal(f64({0.5, 0.0, 0.0}),
                                f64({0.3, 0.1, 0.2, -0.5, 1.0, 0.4}).reshape({3, 2}),
                                f64({1.0, 0.7, 0.3})));
}

TEST_CASE("KL of transformed distributions reduces to their bases when the transforms are equal") {
  const auto exp = std::make_shared<ppl::transforms::Exp>();
  const TransformedDistribution p(Normal(f64({0.0, 1.0}), f64({1.0, 0.5})), {exp});
  const TransformedDistribution q(Normal(f64({0.5, 0.0}), f64({2.0, 0.8})), {exp});
  CHECK(torch::allclose(kl_divergence(p, q),
                        kl_divergence(Normal(f64({0.0, 1.0}), f64({1.0, 0.5})),
                                      Normal(f64({0.5, 0.0}), f64({2.0, 0.8})))));
  const TransformedDistribution shifted(Normal(f64({0.5, 0.0}), f64({2.0, 0.8})),
                                        {std::make_shared<ppl::transforms::Affine>(1.0, 2.0)});
  CHECK_THROWS_WITH_AS(kl_divergence(p, shifted), doctest::Contains("transforms"),
                       std::invalid_argument);
  // Gamma-Exponential equals Gamma-Gamma with concentration 1.
  const Gamma gamma(f64({2.0}), f64({1.5}));
  CHECK(kl_value(gamma, Exponential(f64({0.7}))) ==
        doctest::Approx(kl_value(gamma, Gamma(f64({1.0}), f64({0.7})))).epsilon(1e-12));
  // LowRankMultivariateNormal-LowRank equals the full-covariance KL.
  const LowRankMultivariateNormal low_p(f64({0.0, 1.0}), f64({1.0, 0.5}).reshape({2, 1}),
                                        f64({0.5, 1.0}));
  const LowRankMultivariateNormal low_q(f64({0.5, 0.0}), f64({0.3, -0.2}).reshape({2, 1}),
                                        f64({1.0, 0.7}));
  CHECK(kl_value(low_p, low_q) ==
        doctest::Approx(kl_value(MultivariateNormal(f64({0.0, 1.0}), low_p.covariance_matrix()),
                                 MultivariateNormal(f64({0.5, 0.0}), low_q.covariance_matrix())))
            .epsilon(1e-10));
}

TEST_CASE("Bernoulli KL is finite through the logits and infinite where q excludes p's outcomes") {
  const Bernoulli p(f64({0.0, 1.0, 0.3, 0.0, 1.0, 0.3}));
  const Bernoulli q(f64({0.0, 0.0, 0.0, 0.4, 1.0, 1.0}));
  const auto kl = kl_divergence(p, q);
  CHECK(kl[0].item<double>() == 0.0);
  CHECK(kl[1].item<double>() == kInf);
  CHECK(kl[2].item<double>() == kInf);
  CHECK(kl[3].item<double>() == doctest::Approx(-std::log(0.6)).epsilon(1e-12));
  CHECK(kl[4].item<double>() == 0.0);
  CHECK(kl[5].item<double>() == kInf);

  // sigmoid(30) against sigmoid(-30): about 30 nats, computed without overflow.
  const auto extreme =
      kl_divergence(Bernoulli::from_logits(f64({30.0})), Bernoulli::from_logits(f64({-30.0})));
  CHECK(extreme.item<double>() == doctest::Approx(30.0).epsilon(1e-9));
  // From probs and from logits alike.
  const double from_probs = kl_value(Bernoulli(f64({0.2})), Bernoulli(f64({0.6})));
  const double from_logits = kl_value(Bernoulli::from_logits(f64({std::log(0.25)})),
                                      Bernoulli::from_logits(f64({std::log(1.5)})));
  const double expected = 0.2 * std::log(0.2 / 0.6) + 0.8 * std::log(0.8 / 0.4);
  CHECK(from_probs == doctest::Approx(expected).epsilon(1e-12));
  CHECK(from_logits == doctest::Approx(expected).epsilon(1e-12));
}

TEST_CASE("Categorical KL sums over categories and handles zero probabilities") {
  const Categorical p(f64({0.5, 0.5, 0.0})), q(f64({0.25, 0.25, 0.5}));
  CHECK(kl_value(p, q) == doctest::Approx(std::log(2.0)).epsilon(1e-12));
  CHECK(kl_value(p, Categorical(f64({1.0, 0.0, 0.0}))) == kInf);
  CHECK(kl_value(Categorical::from_logits(f64({0.0, 0.0, 0.0})), q) ==
        doctest::Approx(std::log(1.0 / 3.0) - (2 * std::log(0.25) + std::log(0.5)) / 3)
            .epsilon(1e-12));
  // Batch shapes broadcast: (2) against ().
  const Categorical batch(torch::tensor({{0.5, 0.5, 0.0}, {0.25, 0.25, 0.5}}, torch::kDouble));
  CHECK(kl_divergence(batch, q).sizes() == torch::IntArrayRef({2}));
  CHECK_THROWS_WITH_AS(kl_divergence(p, Categorical(f64({0.5, 0.5}))),
                       doctest::Contains("p has 3 categories but q has 2"), std::invalid_argument);
}

TEST_CASE("Uniform KL is log of the width ratio, infinite when q does not cover p") {
  const Uniform p(f64({0.0}), f64({1.0}));
  CHECK(kl_value(p, Uniform(f64({-1.0}), f64({2.0}))) ==
        doctest::Approx(std::log(3.0)).epsilon(1e-12));
  CHECK(kl_value(p, Uniform(f64({0.5}), f64({2.0}))) == kInf);
}

TEST_CASE("Independent KL sums the base KL over the event dims") {
  const Normal p_base(torch::arange(6, torch::kDouble).reshape({2, 3}), 1.0);
  const Normal q_base(torch::zeros({2, 3}, torch::kDouble), 2.0);
  const auto kl = kl_divergence(p_base.to_event(1), q_base.to_event(1));
  CHECK(kl.sizes() == torch::IntArrayRef({2}));
  CHECK(torch::allclose(kl, kl_divergence(p_base, q_base).sum(-1)));
  CHECK(kl_value(p_base.to_event(2), q_base.to_event(2)) ==
        doctest::Approx(kl_divergence(p_base, q_base).sum().item<double>()).epsilon(1e-12));
  CHECK_THROWS_WITH_AS(kl_divergence(p_base.to_event(1), q_base.to_event(2)),
                       doctest::Contains("p reinterprets 1 batch dims as event dims but q "
                                         "reinterprets 2"),
                       std::invalid_argument);
}

TEST_CASE("gradients flow through the KL into every parameter") {
  auto p_loc = f64({0.3}).requires_grad_(), p_scale = f64({0.7}).requires_grad_();
  auto q_loc = f64({-0.4}).requires_grad_(), q_scale = f64({1.5}).requires_grad_();
  auto kl = kl_divergence(Normal(p_loc, p_scale).to_event(1), Normal(q_loc, q_scale).to_event(1));
  kl.backward();
  const double d = 0.3 + 0.4, sp = 0.7, sq = 1.5;
  CHECK(p_loc.grad().item<double>() == doctest::Approx(d / (sq * sq)).epsilon(1e-12));
  CHECK(q_loc.grad().item<double>() == doctest::Approx(-d / (sq * sq)).epsilon(1e-12));
  CHECK(p_scale.grad().item<double>() == doctest::Approx(sp / (sq * sq) - 1 / sp).epsilon(1e-12));
  CHECK(q_scale.grad().item<double>() ==
        doctest::Approx(1 / sq - (sp * sp + d * d) / (sq * sq * sq)).epsilon(1e-12));

  // d KL / d logit_p = p (1 - p) (logit_p - logit_q) for Bernoulli.
  auto logits = f64({0.8}).requires_grad_();
  kl_divergence(Bernoulli::from_logits(logits), Bernoulli::from_logits(f64({-0.5}))).backward();
  const double p = 1 / (1 + std::exp(-0.8));
  CHECK(logits.grad().item<double>() == doctest::Approx(p * (1 - p) * 1.3).epsilon(1e-12));
}

TEST_CASE("an unregistered pair has no KL: find_kl is empty and kl_divergence names the types") {
  const Uniform uniform(f64({0.0}), f64({1.0}));
  const Normal normal(f64({0.0}), 1.0);
  CHECK_FALSE(has_kl(normal, uniform));
  CHECK_FALSE(has_kl(normal.to_event(1), uniform.to_event(1)));  // the bases have none
  CHECK(has_kl(normal.to_event(1), normal.to_event(1)));
  CHECK_THROWS_WITH_AS(kl_divergence(normal.to_event(1), uniform.to_event(1)),
                       "kl_divergence: no KL registered for p = Independent(Normal) and q = "
                       "Independent(Uniform) (see ppl::dist::register_kl)",
                       std::invalid_argument);
}

TEST_CASE("a user registers the KL of their own pair of types") {
  const Exotic exotic;
  const Normal normal(f64({0.0}), 1.0);
  CHECK_THROWS_AS(kl_divergence(exotic, normal), std::invalid_argument);
  register_kl<Exotic, Normal>(
      [](const Exotic&, const Normal& q) { return q.scale().log() + 0.25; });
  CHECK(kl_value(exotic, normal) == 0.25);
  CHECK_FALSE(has_kl(normal, exotic));  // the reverse pair is not registered
}

}  // namespace test_kl
