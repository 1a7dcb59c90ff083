// Multivariate distributions: MultivariateNormal, LowRankMultivariateNormal, LKJCholesky and
// MixtureSameFamily against densities written out by hand, sample moments, pathwise gradients,
// shapes and validation. Statistical checks use 10^5 draws and 4 standard errors.

#include <doctest/doctest.h>
#include <torch/torch.h>
#include "tests/support.h"

#include "ppl/distributions/categorical.h"
#include "ppl/distributions/lkj_cholesky.h"
#include "ppl/distributions/lowrank_multivariate_normal.h"
#include "ppl/distributions/mixture_same_family.h"
#include "ppl/distributions/multivariate_normal.h"
#include "ppl/distributions/normal.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace test_multivariate_distributions {

namespace dist = ppl::dist;

using dist::LKJCholesky;
using dist::LowRankMultivariateNormal;
using dist::MixtureSameFamily;
using dist::MultivariateNormal;
using ppl::testing::contains;

using ppl::testing::generator;
using ppl::testing::invalid_argument_of;
using ppl::testing::ValidationScope;

namespace {

const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);
const double kPi = 3.14159265358979323846;
const double kLog2Pi = std::log(2 * kPi);
constexpr int64_t kDraws = 100000;

using Matrix3 = std::array<std::array<double, 3>, 3>;

torch::Tensor f64(std::vector<double> values) {
  return torch::tensor(values, kF64);
}

torch::Tensor matrix(const std::vector<std::vector<double>>& rows) {
  std::vector<torch::Tensor> tensors;
  for (const auto& row : rows) tensors.push_back(f64(row));
  return torch::stack(tensors);
}

/// Elementwise |actual - expected| <= tolerance * max(1, |expected|).
void check_relative(const torch::Tensor& actual, const torch::Tensor& expected,
                    double tolerance = 1e-10) {
  INFO("actual: " << actual << "\nexpected: " << expected);
  REQUIRE(actual.sizes() == expected.sizes());
  const auto expected64 = expected.to(torch::kFloat64);
  const auto error =
      (actual.to(torch::kFloat64) - expected64).abs() / expected64.abs().clamp_min(1.0);
  CHECK(error.max().item<double>() <= tolerance);
}

/// Checks that the sample mean of `draws` (first dim: draws) is within 4 standard errors of
/// `expected`, elementwise.
void check_sample_mean(const torch::Tensor& draws, const torch::Tensor& expected,
                       const std::string& what) {
  const auto mean = draws.mean(0);
  const auto standard_error = draws.std(0) / std::sqrt(static_cast<double>(draws.size(0)));
  const auto z = ((mean - expected) / standard_error).abs();
  INFO(what << ": sample mean " << mean << "\nexpected " << expected << "\n|z| " << z);
  CHECK(z.max().item<double>() <= 4.0);
}

double determinant(const Matrix3& m) {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/// The inverse through the adjugate: inverse[j][i] = cofactor(i, j) / det.
Matrix3 inverse(const Matrix3& m) {
  const double det = determinant(m);
  Matrix3 result{};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      const int r0 = (i + 1) % 3, r1 = (i + 2) % 3, c0 = (j + 1) % 3, c1 = (j + 2) % 3;
      result[j][i] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / det;
    }
  }
  return result;
}

torch::Tensor as_tensor(const Matrix3& m) {
  return matrix(
      {{m[0][0], m[0][1], m[0][2]}, {m[1][0], m[1][1], m[1][2]}, {m[2][0], m[2][1], m[2][2]}});
}

/// log N(x | loc, Σ) from the density: -(3 log 2π + log det Σ + dᵀ Σ⁻¹ d) / 2.
double normal3_log_density(const std::array<double, 3>& x, const std::array<double, 3>& loc,
                           const Matrix3& covariance) {
  const Matrix3 precision = inverse(covariance);
  double quadratic = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) quadratic += (x[i] - loc[i]) * precision[i][j] * (x[j] - loc[j]);
  return -0.5 * (3 * kLog2Pi + std::log(determinant(covariance)) + quadratic);
}

const Matrix3 kCovariance3 = {{{2.0, 0.3, -0.4}, {0.3, 1.0, 0.2}, {-0.4, 0.2, 0.5}}};

/// The three parameterizations of one Gaussian.
std::vector<MultivariateNormal> three_factories(const torch::Tensor& loc,
                                                const torch::Tensor& covariance) {
  return {MultivariateNormal::from_covariance_matrix(loc, covariance),
          MultivariateNormal::from_precision_matrix(loc, torch::inverse(covariance)),
          MultivariateNormal::from_scale_tril(loc, torch::linalg::cholesky(covariance))};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// MultivariateNormal

TEST_CASE("MultivariateNormal log_prob matches the bivariate density written out") {
  // Σ = [[2, 0.6], [0.6, 1]]: det Σ = 1.64, Σ⁻¹ = [[1, -0.6], [-0.6, 2]] / 1.64.
  const auto loc = f64({1, -1});
  const auto covariance = matrix({{2, 0.6}, {0.6, 1}});
  const std::vector<std::array<double, 2>> points = {{0, 0}, {1, -1}, {2.5, 0.3}, {-3, 4}};
  std::vector<double> expected;
  for (const auto& x : points) {
    const double d0 = x[0] - 1, d1 = x[1] + 1;
    const double quadratic = (d0 * d0 - 1.2 * d0 * d1 + 2 * d1 * d1) / 1.64;
    expected.push_back(-kLog2Pi - 0.5 * std::log(1.64) - 0.5 * quadratic);
  }
  const auto values = matrix({{0, 0}, {1, -1}, {2.5, 0.3}, {-3, 4}});
  for (const auto& mvn : three_factories(loc, covariance)) {
    check_relative(mvn.log_prob(values), f64(expected));
  }
  const auto by_hand_tril = matrix({{std::sqrt(2.0), 0}, {0.6 / std::sqrt(2.0), std::sqrt(0.82)}});
  check_relative(MultivariateNormal::from_scale_tril(loc, by_hand_tril).log_prob(values),
                 f64(expected));
  check_relative(MultivariateNormal(loc, covariance).log_prob(values), f64(expected));
}

TEST_CASE("MultivariateNormal log_prob matches the 3x3 density with broadcast batch dims") {
  // loc (2, 1, 3) against matrices (4, 3, 3): batch (2, 4); values with a sample dim (5, 2, 4, 3).
  std::vector<Matrix3> covariances;
  for (int b = 0; b < 4; ++b) {
    Matrix3 c = kCovariance3;
    for (int i = 0; i < 3; ++i) c[i][i] += 0.5 * b;
    c[0][1] = c[1][0] = 0.3 - 0.1 * b;
    covariances.push_back(c);
  }
  std::vector<torch::Tensor> covariance_tensors;
  for (const auto& c : covariances) covariance_tensors.push_back(as_tensor(c));
  const auto covariance = torch::stack(covariance_tensors);
  const auto loc = torch::randn({2, 1, 3}, generator(1), kF64);
  const auto values = torch::randn({5, 2, 4, 3}, generator(2), kF64) * 2;
  auto expected = torch::empty({5, 2, 4}, kF64);
  for (int64_t s = 0; s < 5; ++s)
    for (int64_t a = 0; a < 2; ++a)
      for (int64_t b = 0; b < 4; ++b) {
        std::array<double, 3> x{}, mu{};
        for (int64_t i = 0; i < 3; ++i) {
          x[i] = values[s][a][b][i].item<double>();
          mu[i] = loc[a][0][i].item<double>();
        }
        expected[s][a][b] = normal3_log_density(x, mu, covariances[b]);
      }
  for (const auto& mvn : three_factories(loc, covariance)) {
    CHECK(mvn.batch_shape() == dist::Shape{2, 4});
    CHECK(mvn.event_shape() == dist::Shape{3});
    check_relative(mvn.log_prob(values), expected);
    // A value that broadcasts: one point for the whole batch.
    check_relative(mvn.log_prob(values[0][0][0]), mvn.log_prob(values[0][0][0].expand({2, 4, 3})));
  }
  // One matrix shared by a batch of locs and sample dims (one triangular solve).
  const auto shared =
      MultivariateNormal::from_covariance_matrix(loc.squeeze(1), as_tensor(covariances[2]));
  const auto shared_values = values.select(2, 2);  // (5, 2, 3)
  check_relative(shared.log_prob(shared_values), expected.select(2, 2));
  // Matrices and locs with one batch shape.
  const auto paired = MultivariateNormal::from_covariance_matrix(loc.expand({2, 4, 3}),
                                                                 covariance.expand({2, 4, 3, 3}));
  check_relative(paired.log_prob(values[3]), expected[3]);
}

TEST_CASE("MultivariateNormal with matrices broadcast over three batch dims and sample dims") {
  // scale_tril (2, 1, 3, n, n) against loc (2, 4, 3, n) and values (5, 2, 4, 3, n): the shared
  // matrices are solved and multiplied once for all vectors that meet them.
  const int64_t n = 3;
  const auto noise = torch::randn({2, 1, 3, n, n}, generator(13), kF64);
  const auto scale_tril =
      noise.tril(-1) * 0.3 + torch::diag_embed(noise.diagonal(0, -2, -1).abs() + 0.5);
  const auto loc = torch::randn({2, 4, 3, n}, generator(14), kF64);
  const auto values = torch::randn({5, 2, 4, 3, n}, generator(15), kF64);
  const auto broadcast = MultivariateNormal::from_scale_tril(loc, scale_tril);
  const auto full = MultivariateNormal::from_scale_tril(loc, scale_tril.expand({2, 4, 3, n, n}));
  std::vector<torch::Tensor> expected;
  for (int64_t s = 0; s < 5; ++s) expected.push_back(full.log_prob(values[s]));
  check_relative(broadcast.log_prob(values), torch::stack(expected));

  const auto draws = broadcast.rsample({5}, generator(16));
  const auto eps = torch::randn({5, 2, 4, 3, n}, generator(16), kF64);
  check_relative(draws, loc + torch::matmul(scale_tril, eps.unsqueeze(-1)).squeeze(-1));
}

TEST_CASE("MultivariateNormal factories agree on every matrix and on mean, variance, entropy") {
  const auto loc = f64({0.5, -1, 2});
  const auto covariance = as_tensor(kCovariance3);
  const auto precision = as_tensor(inverse(kCovariance3));
  const auto scale_tril = torch::linalg::cholesky(covariance);
  const double entropy = 0.5 * 3 * (1 + kLog2Pi) + 0.5 * std::log(determinant(kCovariance3));
  for (const auto& mvn : three_factories(loc, covariance)) {
    check_relative(mvn.covariance_matrix(), covariance);
    check_relative(mvn.precision_matrix(), precision);
    check_relative(mvn.scale_tril(), scale_tril);
    check_relative(mvn.mean(), loc);
    check_relative(mvn.variance(), f64({2, 1, 0.5}));
    check_relative(mvn.entropy(), torch::tensor(entropy, kF64));
    CHECK(mvn.has_rsample());
    CHECK(mvn.support()->to_string() == "independent(real, 1)");
  }
  // Accessors are expanded to batch_shape + (n, n).
  const auto batched = MultivariateNormal::from_scale_tril(torch::zeros({4, 3}, kF64), scale_tril);
  CHECK(batched.scale_tril().sizes() == torch::IntArrayRef{4, 3, 3});
  CHECK(batched.covariance_matrix().sizes() == torch::IntArrayRef{4, 3, 3});
  CHECK(batched.precision_matrix().sizes() == torch::IntArrayRef{4, 3, 3});
  CHECK(batched.variance().sizes() == torch::IntArrayRef{4, 3});
  CHECK(batched.entropy().sizes() == torch::IntArrayRef{4});
}

TEST_CASE("MultivariateNormal sample mean and covariance match within 4 standard errors") {
  // A batch of two Gaussians with different matrices: rsample through the general batched path.
  const auto loc = matrix({{1, -2, 0.5}, {0, 0, 0}});
  Matrix3 second = kCovariance3;
  second[0][2] = second[2][0] = 0.3;
  const auto covariance = torch::stack({as_tensor(kCovariance3), as_tensor(second)});
  const auto mvn = MultivariateNormal::from_covariance_matrix(loc, covariance);
  const auto draws = mvn.sample({kDraws / 2}, generator(11));
  REQUIRE(draws.sizes() == torch::IntArrayRef{kDraws / 2, 2, 3});
  check_sample_mean(draws, loc, "mean");
  const auto centered = draws - loc;
  const auto products = centered.unsqueeze(-1) * centered.unsqueeze(-2);  // (N, 2, 3, 3)
  check_sample_mean(products, covariance, "covariance");

  // One shared matrix, as one matrix product.
  const auto shared =
      MultivariateNormal::from_scale_tril(loc[0], torch::linalg::cholesky(covariance[0]));
  const auto shared_draws = shared.sample({kDraws}, generator(12));
  check_sample_mean(shared_draws, loc[0], "shared mean");
  const auto shared_centered = shared_draws - loc[0];
  check_sample_mean(shared_centered.unsqueeze(-1) * shared_centered.unsqueeze(-2), covariance[0],
                    "shared covariance");
}

TEST_CASE("MultivariateNormal::rsample is pathwise differentiable") {
  const auto covariance = as_tensor(kCovariance3);
  const auto weights = f64({0.7, -1.3, 2.0});

  // d x / d loc = I for every draw.
  auto loc = f64({0.5, -1, 2}).requires_grad_();
  const auto mvn = MultivariateNormal::from_covariance_matrix(loc, covariance);
  const auto x = mvn.rsample({10}, generator(3));
  for (int64_t k = 0; k < 3; ++k) {
    const auto grad = torch::autograd::grad({x.select(-1, k).mean()}, {loc}, {}, true)[0];
    check_relative(grad, torch::eye(3, kF64)[k]);
  }

  // Central finite differences on every entry of L with common random numbers.
  auto objective = [&](const torch::Tensor& L) {
    const auto draws =
        MultivariateNormal::from_scale_tril(loc.detach(), L).rsample({1000}, generator(5));
    return (draws.sin() * weights).sum(-1).mean();
  };
  auto L = torch::linalg::cholesky(covariance).requires_grad_();
  const auto grad = torch::autograd::grad({objective(L)}, {L})[0];
  const double h = 1e-6;
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j <= i; ++j) {
      auto plus = L.detach().clone(), minus = L.detach().clone();
      plus[i][j] += h;
      minus[i][j] -= h;
      const double difference =
          (objective(plus).item<double>() - objective(minus).item<double>()) / (2 * h);
      INFO("entry (" << i << ", " << j << ")");
      CHECK(grad[i][j].item<double>() == doctest::Approx(difference).epsilon(1e-6));
    }
  }

  // d E[x0 x1] / d L = d (L Lᵀ)_01 / d L: row 0 gets L_1k, row 1 gets L_0k (loc = 0). The
  // estimator's standard error is about 0.005 here; the tolerance 0.025 is 5 of them.
  auto L2 = torch::linalg::cholesky(covariance).requires_grad_();
  const auto zero_loc = torch::zeros({3}, kF64);
  const auto draws2 =
      MultivariateNormal::from_scale_tril(zero_loc, L2).rsample({kDraws}, generator(6));
  const auto grad2 =
      torch::autograd::grad({(draws2.select(-1, 0) * draws2.select(-1, 1)).mean()}, {L2})[0];
  auto expected = torch::zeros({3, 3}, kF64);
  expected[0] = L2.detach()[1];
  expected[1] = L2.detach()[0];
  INFO("gradient " << grad2 << "\nexpected " << expected);
  CHECK((grad2.tril() - expected.tril()).abs().max().item<double>() < 0.025);
}

TEST_CASE("MultivariateNormal log_prob gradient is Σ⁻¹ (x - loc) for loc, through every factory") {
  const auto covariance = as_tensor(kCovariance3);
  const auto value = f64({1, 0.5, -0.25});
  for (int factory = 0; factory < 3; ++factory) {
    auto loc = f64({0.5, -1, 2}).requires_grad_();
    const auto mvn = three_factories(loc, covariance)[factory];
    const auto grad = torch::autograd::grad({mvn.log_prob(value)}, {loc})[0];
    check_relative(grad, torch::mv(as_tensor(inverse(kCovariance3)), value - loc.detach()));
  }
  // And d log_prob / d Σ = (Σ⁻¹ d dᵀ Σ⁻¹ - Σ⁻¹) / 2 (symmetrized gradient through the Cholesky).
  auto sigma = covariance.clone().requires_grad_();
  const auto loc = f64({0.5, -1, 2});
  const auto lp = MultivariateNormal::from_covariance_matrix(loc, sigma).log_prob(value);
  const auto grad = torch::autograd::grad({lp}, {sigma})[0];
  const auto precision = as_tensor(inverse(kCovariance3));
  const auto d = torch::mv(precision, value - loc);
  const auto expected = 0.5 * (torch::outer(d, d) - precision);
  check_relative(0.5 * (grad + grad.mT()), expected, 1e-9);
}

TEST_CASE("MultivariateNormal validation names the argument") {
  ValidationScope on(true);
  const auto loc = f64({0, 0});
  const auto not_positive_definite = matrix({{1, 2}, {2, 1}});
  auto message = invalid_argument_of(
      [&] { MultivariateNormal::from_covariance_matrix(loc, not_positive_definite); });
  CHECK(contains(message, "MultivariateNormal"));
  CHECK(contains(message, "'covariance_matrix'"));
  CHECK(contains(message, "positive_definite"));
  message = invalid_argument_of([&] {
    MultivariateNormal::from_precision_matrix(loc, matrix({{1, 0.5}, {0, 1}}));
  });
  CHECK(contains(message, "'precision_matrix'"));
  message = invalid_argument_of([&] {
    MultivariateNormal::from_scale_tril(loc, matrix({{1, 0.5}, {0, 1}}));
  });
  CHECK(contains(message, "'scale_tril'"));
  CHECK(contains(message, "lower_cholesky"));
  CHECK(contains(invalid_argument_of([&] {
                   MultivariateNormal::from_scale_tril(loc, matrix({{1, 0}, {0, -1}}));
                 }),
                 "'scale_tril'"));
  CHECK(contains(invalid_argument_of([&] {
                   MultivariateNormal::from_scale_tril(f64({0, NAN}), torch::eye(2, kF64));
                 }),
                 "'loc'"));

  // Shapes are checked with or without validation.
  message = invalid_argument_of([&] {
    MultivariateNormal::from_covariance_matrix(f64({0, 0, 0}), torch::eye(2, kF64));
  });
  CHECK(contains(message, "covariance_matrix"));
  CHECK(contains(message, "(..., 3, 3)"));
  CHECK(contains(invalid_argument_of([&] {
                   MultivariateNormal::from_scale_tril(torch::tensor(0.0, kF64),
                                                       torch::eye(1, kF64));
                 }),
                 "loc must be at least one-dimensional"));
  CHECK(contains(invalid_argument_of([&] {
                   MultivariateNormal::from_scale_tril(torch::zeros({2, 3}, kF64),
                                                       torch::eye(3, kF64).expand({4, 3, 3}));
                 }),
                 "not broadcastable"));

  const auto mvn = MultivariateNormal::from_scale_tril(loc, torch::eye(2, kF64));
  CHECK(contains(invalid_argument_of([&] { mvn.log_prob(f64({0, 0, 0})); }), "value of shape"));
  CHECK(contains(invalid_argument_of([&] { mvn.log_prob(f64({0, NAN})); }), "out of support"));

  // Without validation nothing is checked (and nothing synchronizes).
  CHECK_NOTHROW(MultivariateNormal::from_scale_tril(loc, matrix({{1, 0.5}, {0, 1}}), false));
  CHECK_NOTHROW(MultivariateNormal::from_covariance_matrix(loc, not_positive_definite, false));
}

TEST_CASE("MultivariateNormal shapes after expand, to_event and sample") {
  const auto mvn = MultivariateNormal::from_scale_tril(
      torch::zeros({2, 3}, kF64), torch::linalg::cholesky(as_tensor(kCovariance3)));
  const auto expanded = mvn.expand({4, 2});
  CHECK(expanded->batch_shape() == dist::Shape{4, 2});
  CHECK(expanded->event_shape() == dist::Shape{3});
  CHECK(expanded->sample({5}).sizes() == torch::IntArrayRef{5, 4, 2, 3});
  const auto value = torch::randn({4, 2, 3}, generator(4), kF64);
  const auto log_prob = expanded->log_prob(value);
  CHECK(log_prob.sizes() == torch::IntArrayRef{4, 2});
  check_relative(log_prob[3], mvn.log_prob(value[3]));
  CHECK(contains(invalid_argument_of([&] { mvn.expand({3}); }), "cannot expand"));

  const auto independent = mvn.to_event(1);
  CHECK(independent.batch_shape().empty());
  CHECK(independent.event_shape() == dist::Shape{2, 3});
  CHECK(independent.rsample({7}).sizes() == torch::IntArrayRef{7, 2, 3});
  check_relative(independent.log_prob(value[0]), mvn.log_prob(value[0]).sum());
  CHECK(mvn.sample({}).sizes() == torch::IntArrayRef{2, 3});
  CHECK(mvn.rsample({2, 5}).sizes() == torch::IntArrayRef{2, 5, 2, 3});
  CHECK(mvn.log_prob(torch::zeros({6, 1, 3}, kF64)).sizes() == torch::IntArrayRef{6, 2});
}

TEST_CASE("MultivariateNormal seeded sampling is reproducible; float32 follows the parameters") {
  const auto mvn =
      MultivariateNormal::from_covariance_matrix(f64({0, 1}), matrix({{1, 0.3}, {0.3, 2}}));
  CHECK(torch::equal(mvn.sample({4}, generator(1)), mvn.sample({4}, generator(1))));
  CHECK(!torch::equal(mvn.sample({4}, generator(1)), mvn.sample({4}, generator(2))));
  CHECK(!mvn.sample({4}).requires_grad());
  const auto single = MultivariateNormal::from_scale_tril(torch::zeros({2}), torch::eye(2));
  CHECK(single.rsample({3}).dtype() == torch::kFloat32);
  CHECK(single.log_prob(torch::zeros({2})).dtype() == torch::kFloat32);
}

// ---------------------------------------------------------------------------------------------
// LowRankMultivariateNormal

TEST_CASE("LowRankMultivariateNormal equals the MultivariateNormal with Σ = W Wᵀ + D") {
  // loc (3, 1, 4), W (2, 4, 2), D (4,): batch (3, 2), event 4, rank 2.
  const auto loc = torch::randn({3, 1, 4}, generator(21), kF64);
  const auto W = torch::randn({2, 4, 2}, generator(22), kF64);
  const auto D = f64({0.5, 1.0, 1.5, 0.25});
  const LowRankMultivariateNormal low_rank(loc, W, D);
  CHECK(low_rank.batch_shape() == dist::Shape{3, 2});
  CHECK(low_rank.event_shape() == dist::Shape{4});
  const auto covariance = torch::matmul(W, W.mT()) + torch::diag(D);
  const auto full = MultivariateNormal::from_covariance_matrix(loc, covariance);
  const auto values = torch::randn({5, 3, 2, 4}, generator(23), kF64);
  check_relative(low_rank.log_prob(values), full.log_prob(values));
  check_relative(low_rank.entropy(), full.entropy());
  check_relative(low_rank.covariance_matrix(), covariance.expand({3, 2, 4, 4}));
  check_relative(torch::matmul(low_rank.precision_matrix(), low_rank.covariance_matrix()),
                 torch::eye(4, kF64).expand({3, 2, 4, 4}));
  const auto L = low_rank.scale_tril();
  check_relative(L, L.tril());
  check_relative(torch::matmul(L, L.mT()), covariance.expand({3, 2, 4, 4}));
  check_relative(low_rank.variance(), covariance.diagonal(0, -2, -1).expand({3, 2, 4}));
  check_relative(low_rank.mean(), loc.expand({3, 2, 4}));

  // Explicit 2-dim, rank-1 case from the density: Σ = [[1 + 1, 2], [2, 4 + 0.5]].
  const LowRankMultivariateNormal simple(f64({0, 0}), matrix({{1}, {2}}), f64({1, 0.5}));
  const double det = 2 * 4.5 - 4;
  const double x0 = 0.3, x1 = -1.2;
  const double quadratic = (4.5 * x0 * x0 - 4 * x0 * x1 + 2 * x1 * x1) / det;
  check_relative(simple.log_prob(f64({x0, x1})),
                 torch::tensor(-kLog2Pi - 0.5 * std::log(det) - 0.5 * quadratic, kF64));
}

TEST_CASE("LowRankMultivariateNormal sample moments and pathwise gradients") {
  const auto loc = f64({1, 0, -1});
  const auto W = matrix({{1, 0.5}, {-0.3, 0.8}, {0.2, -1}});
  const auto D = f64({0.4, 0.9, 0.2});
  const LowRankMultivariateNormal low_rank(loc, W, D);
  const auto draws = low_rank.sample({kDraws}, generator(31));
  check_sample_mean(draws, loc, "mean");
  const auto centered = draws - loc;
  check_sample_mean(centered.unsqueeze(-1) * centered.unsqueeze(-2), low_rank.covariance_matrix(),
                    "covariance");

  auto loc_leaf = loc.clone().requires_grad_();
  const auto x = LowRankMultivariateNormal(loc_leaf, W, D).rsample({10}, generator(32));
  for (int64_t k = 0; k < 3; ++k) {
    check_relative(torch::autograd::grad({x.select(-1, k).mean()}, {loc_leaf}, {}, true)[0],
                   torch::eye(3, kF64)[k]);
  }

  const auto weights = f64({0.7, -1.3, 2.0});
  auto objective = [&](const torch::Tensor& factor, const torch::Tensor& diag) {
    const auto samples =
        LowRankMultivariateNormal(loc, factor, diag).rsample({1000}, generator(33));
    return (samples.sin() * weights).sum(-1).mean();
  };
  auto factor = W.clone().requires_grad_();
  auto diag = D.clone().requires_grad_();
  const auto grads = torch::autograd::grad({objective(factor, diag)}, {factor, diag});
  const double h = 1e-6;
  for (int64_t i = 0; i < 3; ++i) {
    for (int64_t j = 0; j < 2; ++j) {
      auto plus = W.clone(), minus = W.clone();
      plus[i][j] += h;
      minus[i][j] -= h;
      const double difference =
          (objective(plus, D).item<double>() - objective(minus, D).item<double>()) / (2 * h);
      CHECK(grads[0][i][j].item<double>() == doctest::Approx(difference).epsilon(1e-6));
    }
    auto plus = D.clone(), minus = D.clone();
    plus[i] += h;
    minus[i] -= h;
    const double difference =
        (objective(W, plus).item<double>() - objective(W, minus).item<double>()) / (2 * h);
    CHECK(grads[1][i].item<double>() == doctest::Approx(difference).epsilon(1e-6));
  }
}

TEST_CASE("LowRankMultivariateNormal validation and shapes") {
  ValidationScope on(true);
  const auto loc = f64({0, 0, 0});
  const auto W = torch::ones({3, 1}, kF64);
  auto message = invalid_argument_of([&] { LowRankMultivariateNormal(loc, W, f64({1, 0, 1})); });
  CHECK(contains(message, "LowRankMultivariateNormal"));
  CHECK(contains(message, "'cov_diag'"));
  CHECK(contains(invalid_argument_of([&] {
                   LowRankMultivariateNormal(loc, torch::full({3, 1}, NAN, kF64), f64({1, 1, 1}));
                 }),
                 "'cov_factor'"));
  message = invalid_argument_of([&] {
    LowRankMultivariateNormal(loc, torch::ones({2, 1}, kF64), f64({1, 1, 1}));
  });
  CHECK(contains(message, "cov_factor must have shape (..., 3, rank)"));
  CHECK(contains(invalid_argument_of([&] {
                   LowRankMultivariateNormal(loc, W, f64({1, 1}));
                 }),
                 "cov_diag must have shape (..., 3)"));
  CHECK(contains(invalid_argument_of([&] {
                   LowRankMultivariateNormal(torch::zeros({2, 3}, kF64),
                                             torch::ones({5, 3, 1}, kF64), f64({1, 1, 1}));
                 }),
                 "not broadcastable"));

  const LowRankMultivariateNormal low_rank(torch::zeros({2, 3}, kF64), W, f64({1, 2, 3}));
  const auto expanded = low_rank.expand({4, 2});
  CHECK(expanded->batch_shape() == dist::Shape{4, 2});
  CHECK(expanded->rsample({5}).sizes() == torch::IntArrayRef{5, 4, 2, 3});
  const auto value = torch::randn({4, 2, 3}, generator(7), kF64);
  check_relative(expanded->log_prob(value)[1], low_rank.log_prob(value[1]));
  const auto independent = low_rank.to_event(1);
  CHECK(independent.event_shape() == dist::Shape{2, 3});
  check_relative(independent.log_prob(value[0]), low_rank.log_prob(value[0]).sum());
}

// ---------------------------------------------------------------------------------------------
// LKJCholesky

namespace {

/// [[1, 0], [r, sqrt(1 - r²)]].
torch::Tensor correlation_cholesky2(double r) {
  return matrix({{1, 0}, {r, std::sqrt(1 - r * r)}});
}

/// log Γ_p(a) = p(p-1)/4 log π + Σ_{j<p} log Γ(a - j/2).
double multivariate_lgamma(double a, int p) {
  double result = 0.25 * p * (p - 1) * std::log(kPi);
  for (int j = 0; j < p; ++j) result += std::lgamma(a - 0.5 * j);
  return result;
}

}  // namespace

TEST_CASE("LKJCholesky dim 2 log_prob is the density of the correlation, Beta(η, η) on [-1, 1]") {
  // r = L_10 has density (1 - r²)^(η-1) / B(1/2, η), B(1/2, η) = √π Γ(η) / Γ(η + 1/2).
  const std::vector<double> etas = {0.5, 1.0, 2.7};
  const std::vector<double> rs = {-0.9, -0.2, 0.0, 0.45, 0.99};
  std::vector<torch::Tensor> values;
  for (double r : rs) values.push_back(correlation_cholesky2(r));
  const auto value = torch::stack(values).unsqueeze(1);  // (5, 1, 2, 2)
  const LKJCholesky lkj(2, f64(etas));
  CHECK(lkj.batch_shape() == dist::Shape{3});
  CHECK(lkj.event_shape() == dist::Shape{2, 2});
  auto expected = torch::empty({5, 3}, kF64);
  for (size_t i = 0; i < rs.size(); ++i) {
    for (size_t k = 0; k < etas.size(); ++k) {
      const double eta = etas[k], r = rs[i];
      expected[i][k] = (eta - 1) * std::log(1 - r * r) - 0.5 * std::log(kPi) - std::lgamma(eta) +
                       std::lgamma(eta + 0.5);
    }
  }
  check_relative(lkj.log_prob(value), expected);
  check_relative(LKJCholesky(2, torch::tensor(1.0, kF64)).log_prob(correlation_cholesky2(0.3)),
                 torch::tensor(-std::log(2.0), kF64));
}

TEST_CASE("LKJCholesky at η = 1 is uniform over correlation matrices (known volumes)") {
  // The density of L is the uniform density 1 / volume of correlation matrices times the
  // Jacobian of L -> L Lᵀ, Π_i L_ii^(dim - i): volumes π²/2 (dim 3) and 32π²/27 (dim 4).
  const LKJCholesky lkj3(3, torch::tensor(1.0, kF64));
  const auto L3 = lkj3.sample({6}, generator(41));
  const auto expected3 = L3.select(-1, 1).select(-1, 1).log() - std::log(kPi * kPi / 2);
  check_relative(lkj3.log_prob(L3), expected3);

  const LKJCholesky lkj4(4, torch::tensor(1.0, kF64));
  const auto L4 = lkj4.sample({6}, generator(42));
  const auto diagonal = L4.diagonal(0, -2, -1).log();
  const auto expected4 =
      2 * diagonal.select(-1, 1) + diagonal.select(-1, 2) - std::log(32 * kPi * kPi / 27);
  check_relative(lkj4.log_prob(L4), expected4);
}

TEST_CASE("LKJCholesky log_prob at η ≠ 1 follows PyTorch's formula evaluated by hand") {
  const int dim = 4;
  const double eta = 2.5;
  const LKJCholesky lkj(dim, torch::tensor(eta, kF64));
  const auto L = lkj.sample({3}, generator(43));
  const double dm1 = dim - 1, alpha = eta + 0.5 * dm1;
  const double log_normalizer = 0.5 * dm1 * std::log(kPi) +
                                multivariate_lgamma(alpha - 0.5, dim - 1) -
                                dm1 * std::lgamma(alpha);
  for (int64_t s = 0; s < 3; ++s) {
    double expected = -log_normalizer;
    for (int i = 2; i <= dim; ++i) {  // 1-based row
      expected += (2 * (eta - 1) + dim - i) * std::log(L[s][i - 1][i - 1].item<double>());
    }
    check_relative(lkj.log_prob(L[s]), torch::tensor(expected, kF64));
  }
}

TEST_CASE("LKJCholesky samples: dim 2 correlation is Beta(η, η) on [-1, 1]") {
  // η = 2: density 3/4 (1 - r²), CDF 1/2 + 3/4 (r - r³/3), variance 1 / (2η + 1) = 1/5.
  const LKJCholesky lkj(2, torch::tensor(2.0, kF64));
  const auto L = lkj.sample({kDraws}, generator(44));
  REQUIRE(L.sizes() == torch::IntArrayRef{kDraws, 2, 2});
  const auto r = L.select(-1, 0).select(-1, 1);
  for (double t : {-0.7, -0.3, 0.0, 0.2, 0.6}) {
    const double cdf = 0.5 + 0.75 * (t - t * t * t / 3);
    INFO("t = " << t);
    check_sample_mean((r <= t).to(torch::kFloat64).unsqueeze(-1), f64({cdf}), "CDF");
  }
  check_sample_mean(r.square().unsqueeze(-1), f64({0.2}), "variance");
  CHECK(torch::allclose(L[0][0], f64({1, 0})));
}

TEST_CASE("LKJCholesky samples: every correlation of dim 3 and 4 has the marginal variance") {
  // Each off-diagonal correlation of LKJ(dim, η) is Beta(η - 1 + dim/2, same) on [-1, 1], of
  // variance 1 / (2η + dim - 1); this checks every row of the onion construction.
  for (const auto& [dim, eta] : std::vector<std::pair<int64_t, double>>{{3, 1.0}, {4, 1.5}}) {
    const LKJCholesky lkj(dim, torch::tensor(eta, kF64));
    const auto L = lkj.sample({kDraws}, generator(45 + dim));
    CHECK(ppl::constraints::corr_cholesky->check(L).all().item<bool>());
    const auto correlation = torch::matmul(L, L.mT());
    check_relative(correlation.diagonal(0, -2, -1), torch::ones({kDraws, dim}, kF64), 1e-12);
    const auto indices = torch::tril_indices(dim, dim, -1);
    const auto off_diagonal = correlation.index({torch::indexing::Slice(), indices[0], indices[1]});
    INFO("dim " << dim << ", eta " << eta);
    check_sample_mean(off_diagonal, torch::zeros({dim * (dim - 1) / 2}, kF64), "mean");
    check_sample_mean(off_diagonal.square(),
                      torch::full({dim * (dim - 1) / 2}, 1 / (2 * eta + dim - 1), kF64),
                      "variance");
  }
}

TEST_CASE("LKJCholesky validation and shapes") {
  ValidationScope on(true);
  CHECK(contains(invalid_argument_of([] { LKJCholesky(1, 1.0); }), "dim must be at least 2"));
  const auto message = invalid_argument_of([] { LKJCholesky(3, f64({1, -0.5})); });
  CHECK(contains(message, "LKJCholesky"));
  CHECK(contains(message, "'concentration'"));
  const LKJCholesky lkj(3, f64({1, 2}));
  CHECK(contains(invalid_argument_of([&] { lkj.log_prob(torch::eye(3, kF64) * 2); }),
                 "corr_cholesky"));
  CHECK(!lkj.has_rsample());
  CHECK(lkj.sample({5}).sizes() == torch::IntArrayRef{5, 2, 3, 3});
  const auto expanded = lkj.expand({4, 2});
  CHECK(expanded->batch_shape() == dist::Shape{4, 2});
  CHECK(expanded->event_shape() == dist::Shape{3, 3});
  const auto samples = expanded->sample({}, generator(9));
  CHECK(samples.sizes() == torch::IntArrayRef{4, 2, 3, 3});
  check_relative(expanded->log_prob(samples)[2], lkj.log_prob(samples[2]));
  CHECK(lkj.to_event(1).log_prob(samples[0]).dim() == 0);
  // A number concentration takes the default dtype.
  CHECK(LKJCholesky(2, 0.5).sample().dtype() == torch::get_default_dtype());
}

// ---------------------------------------------------------------------------------------------
// MixtureSameFamily

TEST_CASE("MixtureSameFamily log_prob is the logsumexp over the weighted components") {
  // A batch of two mixtures of three normals; values with a sample dim (4, 2).
  const auto weights = matrix({{0.2, 0.5, 0.3}, {0.6, 0.3, 0.1}});
  const auto locs = matrix({{-2, 0, 3}, {1, 1.5, -1}});
  const auto scales = matrix({{0.5, 1, 2}, {1, 0.3, 0.7}});
  const MixtureSameFamily mixture(dist::Categorical(weights), dist::Normal(locs, scales));
  CHECK(mixture.batch_shape() == dist::Shape{2});
  CHECK(mixture.event_shape().empty());
  const auto values = matrix({{0, 0}, {-1.5, 2}, {3.2, -0.4}, {10, -8}});
  auto expected = torch::empty({4, 2}, kF64);
  for (int64_t s = 0; s < 4; ++s) {
    for (int64_t b = 0; b < 2; ++b) {
      std::vector<double> terms;
      for (int64_t k = 0; k < 3; ++k) {
        const double x = values[s][b].item<double>(), mu = locs[b][k].item<double>(),
                     sigma = scales[b][k].item<double>();
        const double z = (x - mu) / sigma;
        terms.push_back(std::log(weights[b][k].item<double>()) - 0.5 * z * z - std::log(sigma) -
                        0.5 * kLog2Pi);
      }
      const double top = *std::max_element(terms.begin(), terms.end());
      double sum = 0;
      for (double t : terms) sum += std::exp(t - top);
      expected[s][b] = top + std::log(sum);
    }
  }
  check_relative(mixture.log_prob(values), expected);
  // Unnormalized weights and logits give the same mixture; one weight vector broadcasts.
  const MixtureSameFamily from_logits(dist::Categorical::from_logits((weights * 7).log()),
                                      dist::Normal(locs, scales));
  check_relative(from_logits.log_prob(values), expected);
  const MixtureSameFamily shared(dist::Categorical(weights[0]), dist::Normal(locs, scales));
  check_relative(shared.log_prob(values).select(1, 0), expected.select(1, 0));
}

TEST_CASE("MixtureSameFamily of multivariate normals sums over components with event dims") {
  const auto weights = f64({0.3, 0.7});
  const auto locs = matrix({{0, 1}, {-1, 2}});
  const auto covariance =
      torch::stack({matrix({{1, 0.5}, {0.5, 2}}), matrix({{0.5, -0.2}, {-0.2, 1}})});
  const auto components = MultivariateNormal::from_covariance_matrix(locs, covariance);
  const MixtureSameFamily mixture(dist::Categorical(weights), components);
  CHECK(mixture.batch_shape().empty());
  CHECK(mixture.event_shape() == dist::Shape{2});
  const auto values = matrix({{0.5, 0.5}, {-2, 3}, {1, -1}});
  const auto expected =
      torch::logsumexp(components.log_prob(values.unsqueeze(1)) + weights.log(), -1);  // (3,)
  // Written out for the first value with the 2x2 densities.
  double by_hand = 0;
  for (int k = 0; k < 2; ++k) {
    const double a = covariance[k][0][0].item<double>(), b = covariance[k][0][1].item<double>(),
                 d = covariance[k][1][1].item<double>();
    const double det = a * d - b * b;
    const double x0 = 0.5 - locs[k][0].item<double>(), x1 = 0.5 - locs[k][1].item<double>();
    const double quadratic = (d * x0 * x0 - 2 * b * x0 * x1 + a * x1 * x1) / det;
    by_hand +=
        weights[k].item<double>() * std::exp(-kLog2Pi - 0.5 * std::log(det) - 0.5 * quadratic);
  }
  check_relative(mixture.log_prob(values)[0], torch::tensor(std::log(by_hand), kF64));
  check_relative(mixture.log_prob(values), expected);

  const auto draws = mixture.sample({kDraws}, generator(51));
  REQUIRE(draws.sizes() == torch::IntArrayRef{kDraws, 2});
  check_sample_mean(draws, mixture.mean(), "mean");
  check_sample_mean((draws - mixture.mean()).square(), mixture.variance(), "variance");
  check_relative(mixture.mean(), f64({0.3 * 0 + 0.7 * -1, 0.3 * 1 + 0.7 * 2}));
}

TEST_CASE("MixtureSameFamily mean and variance by the law of total variance, and samples") {
  const auto weights = matrix({{0.2, 0.5, 0.3}, {0.6, 0.3, 0.1}});
  const auto locs = matrix({{-2, 0, 3}, {1, 1.5, -1}});
  const auto scales = matrix({{0.5, 1, 2}, {1, 0.3, 0.7}});
  const MixtureSameFamily mixture(dist::Categorical(weights), dist::Normal(locs, scales));
  // Batch 0: mean 0.2·(-2) + 0.3·3 = 0.5; E[x²] = 0.2·(0.25 + 4) + 0.5·1 + 0.3·(4 + 9) = 5.25.
  // Batch 1: mean 0.6 + 0.45 - 0.1 = 0.95; E[x²] = 0.6·2 + 0.3·(0.09 + 2.25) + 0.1·(0.49 + 1).
  const double second1 = 0.6 * 2 + 0.3 * (0.09 + 2.25) + 0.1 * (0.49 + 1);
  check_relative(mixture.mean(), f64({0.5, 0.95}));
  check_relative(mixture.variance(), f64({5.25 - 0.25, second1 - 0.95 * 0.95}));
  CHECK(!mixture.has_rsample());
  CHECK_THROWS_AS(mixture.rsample(), std::logic_error);

  const auto draws = mixture.sample({kDraws}, generator(52));
  REQUIRE(draws.sizes() == torch::IntArrayRef{kDraws, 2});
  check_sample_mean(draws, mixture.mean(), "mean");
  check_sample_mean((draws - mixture.mean()).square(), mixture.variance(), "variance");
  CHECK(torch::equal(mixture.sample({8}, generator(3)), mixture.sample({8}, generator(3))));

  // A mixture without batch dims over a batch of components: every batch element draws.
  const MixtureSameFamily shared(
      dist::Categorical(f64({0.5, 0.5})),
      dist::Normal(matrix({{-5, 5}, {-5, 5}, {10, 10}}), 0.1 * torch::ones({3, 2}, kF64)));
  const auto shared_draws = shared.sample({kDraws / 10}, generator(53));
  REQUIRE(shared_draws.sizes() == torch::IntArrayRef{kDraws / 10, 3});
  check_sample_mean(shared_draws, f64({0, 0, 10}), "shared mean");
  CHECK(((shared_draws.select(1, 0).abs() - 5).abs() < 1).all().item<bool>());
  const auto same_sign = (shared_draws.select(1, 0) > 0) == (shared_draws.select(1, 1) > 0);
  check_sample_mean(same_sign.to(torch::kFloat64).unsqueeze(-1), f64({0.5}),
                    "independent selections across the batch");
}

TEST_CASE("MixtureSameFamily shapes after expand and sample, and validation naming both") {
  const MixtureSameFamily mixture(dist::Categorical(f64({0.3, 0.7})),
                                  dist::Normal(f64({-1, 1}), f64({1, 2})));
  CHECK(mixture.batch_shape().empty());
  const auto expanded = mixture.expand({4, 3});
  CHECK(expanded->batch_shape() == dist::Shape{4, 3});
  const auto samples = expanded->sample({5}, generator(61));
  CHECK(samples.sizes() == torch::IntArrayRef{5, 4, 3});
  const auto log_prob = expanded->log_prob(samples);
  CHECK(log_prob.sizes() == torch::IntArrayRef{5, 4, 3});
  check_relative(log_prob[2][1], mixture.log_prob(samples[2][1]));
  CHECK(expanded->mean().sizes() == torch::IntArrayRef{4, 3});
  CHECK(mixture.to_event(0).log_prob(f64({0.5})).sizes() == torch::IntArrayRef{1});

  const auto wrong_count = invalid_argument_of([] {
    MixtureSameFamily(dist::Categorical(f64({0.2, 0.3, 0.5})), dist::Normal(f64({0, 1}), 1.0));
  });
  CHECK(contains(wrong_count, "mixture_distribution has 3 categories"));
  CHECK(contains(wrong_count, "component_distribution has 2 components"));
  const auto wrong_batch = invalid_argument_of([] {
    MixtureSameFamily(dist::Categorical(torch::ones({3, 2}, kF64)),
                      dist::Normal(torch::zeros({4, 2}, kF64), 1.0));
  });
  CHECK(contains(wrong_batch, "mixture_distribution batch_shape (3)"));
  CHECK(contains(wrong_batch, "component_distribution batch_shape (4, 2)"));
  CHECK(contains(invalid_argument_of([] {
                   MixtureSameFamily(dist::Categorical(f64({1})), dist::Normal(0.0, 1.0));
                 }),
                 "component_distribution Normal must have a batch dim"));
}

}  // namespace test_multivariate_distributions
