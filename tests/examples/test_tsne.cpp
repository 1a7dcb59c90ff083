// t-SNE: input affinities, the Barnes-Hut gradient against the textbook formula, the optimizer's
// determinism and argument checks, and the leave-one-out kNN accuracy.
// LibTorch first: its glog defines a CHECK macro that doctest's must replace.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "examples/common/tsne.h"

namespace test_tsne {

using namespace ppl::examples;
using namespace ppl::examples::tsne_detail;

namespace {

at::Generator generator(uint64_t seed) {
  return at::detail::createCPUGenerator(seed);
}

/// n points in `dims` dimensions around `clusters` centres spread `spread` apart, float64, with
/// their cluster as label.
std::pair<torch::Tensor, torch::Tensor> clustered(int64_t n, int64_t dims, int64_t clusters,
                                                  double spread, uint64_t seed) {
  auto gen = generator(seed);
  const torch::Tensor centres = torch::randn({clusters, dims}, gen, torch::kDouble) * spread;
  const torch::Tensor labels = torch::arange(n, torch::kLong) % clusters;
  const torch::Tensor points =
      centres.index_select(0, labels) + torch::randn({n, dims}, gen, torch::kDouble);
  return {points, labels};
}

/// 4 sum_j (exaggeration p_ij - q_ij) (y_i - y_j) / (1 + |y_i - y_j|^2), with
/// q_ij = (1 + |y_i - y_j|^2)^-1 / sum_{k != l} (1 + |y_k - y_l|^2)^-1: loops over all pairs.
torch::Tensor textbook_gradient(const torch::Tensor& p, const torch::Tensor& y,
                                double exaggeration) {
  const int64_t n = y.size(0);
  auto pa = p.accessor<double, 2>();
  auto ya = y.accessor<double, 2>();
  std::vector<double> w(n * n, 0.0);
  double z = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double dx = ya[i][0] - ya[j][0], dy = ya[i][1] - ya[j][1];
      w[i * n + j] = 1 / (1 + dx * dx + dy * dy);
      z += w[i * n + j];
    }
  torch::Tensor grad = torch::zeros({n, 2}, torch::kDouble);
  auto ga = grad.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double factor = 4 * (exaggeration * pa[i][j] - w[i * n + j] / z) * w[i * n + j];
      ga[i][0] += factor * (ya[i][0] - ya[j][0]);
      ga[i][1] += factor * (ya[i][1] - ya[j][1]);
    }
  return grad;
}

/// KL(P || Q) with torch operations, for autograd.
torch::Tensor kl_divergence(const torch::Tensor& p, const torch::Tensor& y) {
  const int64_t n = y.size(0);
  const torch::Tensor eye = torch::eye(n, torch::kDouble);
  const torch::Tensor w = (1 / (1 + (y.unsqueeze(1) - y.unsqueeze(0)).square().sum(2))) * (1 - eye);
  // log(w + eye) is log w off the diagonal and 0 (times p_ii = 0) on it.
  return (p * p.clamp_min(1e-300).log()).sum() - (p * (w + eye).log()).sum() + w.sum().log();
}

double relative_error(const torch::Tensor& found, const torch::Tensor& expected) {
  return (found - expected).norm().item<double>() / expected.norm().item<double>();
}

}  // namespace

TEST_CASE("nearest_neighbours finds the exact k nearest other rows, nearest first") {
  const torch::Tensor points = torch::randn({97, 7}, generator(1), torch::kDouble);
  const int64_t k = 12;
  const Neighbours found = nearest_neighbours(points, k);
  REQUIRE(found.indices.sizes().vec() == std::vector<int64_t>{97, k});
  torch::Tensor distances = (points.unsqueeze(1) - points.unsqueeze(0)).square().sum(2);
  distances.fill_diagonal_(std::numeric_limits<double>::infinity());
  const auto [expected_distances, expected_indices] = distances.sort(1);
  CHECK(torch::equal(found.indices, expected_indices.narrow(1, 0, k)));
  CHECK(torch::allclose(found.squared_distances, expected_distances.narrow(1, 0, k), 1e-12, 0));

  // float32 points: the same neighbours, distances recomputed in float64.
  const Neighbours single = nearest_neighbours(points.to(torch::kFloat), k);
  CHECK(torch::equal(single.indices, found.indices));
  CHECK((single.squared_distances.scalar_type() == torch::kDouble));
  CHECK(torch::allclose(single.squared_distances, found.squared_distances, 1e-6, 0));
}

TEST_CASE("conditional affinities have the requested perplexity; P is symmetric and sums to one") {
  const torch::Tensor data = clustered(120, 5, 3, 4.0, 2).first;
  for (double perplexity : {2.5, 10.0, 30.0}) {
    CAPTURE(perplexity);
    const int64_t k = std::min<int64_t>(119, static_cast<int64_t>(3 * perplexity));
    const Neighbours neighbours = nearest_neighbours(data, k);
    const torch::Tensor conditional =
        conditional_affinities(neighbours.squared_distances, perplexity);
    CHECK(torch::allclose(conditional.sum(1), torch::ones({120}, torch::kDouble), 0, 1e-12));
    const torch::Tensor entropy = -(conditional * conditional.clamp_min(1e-300).log()).sum(1);
    CHECK((entropy - std::log(perplexity)).abs().max().item<double>() < 1e-8);
    // Farther neighbours weigh less.
    CHECK((conditional.narrow(1, 1, k - 1) <= conditional.narrow(1, 0, k - 1)).all().item<bool>());

    const SparseMatrix p = input_affinities(data, perplexity);
    const torch::Tensor dense = p.to_dense();
    CHECK(torch::equal(dense, dense.t()));
    CHECK(dense.sum().item<double>() == doctest::Approx(1.0).epsilon(1e-12));
    CHECK(dense.diagonal().abs().max().item<double>() == 0);
    CHECK(dense.min().item<double>() >= 0);
    // (C + C^T) / 2N, built densely here.
    torch::Tensor c = torch::zeros({120, 120}, torch::kDouble);
    c.scatter_(1, neighbours.indices, conditional);
    CHECK(torch::allclose(dense, (c + c.t()) / 240, 1e-14, 1e-18));
    bool columns_ascending = true;
    for (int64_t i = 0; i < p.size; ++i)
      for (int64_t e = p.offsets[i] + 1; e < p.offsets[i + 1]; ++e)
        columns_ascending = columns_ascending && p.columns[e - 1] < p.columns[e];
    CHECK(columns_ascending);
  }
}

TEST_CASE("kl_gradient with theta = 0 is the textbook gradient of KL(P || Q)") {
  for (int64_t n : {50, 200}) {
    CAPTURE(n);
    const torch::Tensor data = clustered(n, 6, 4, 3.0, 3).first;
    const SparseMatrix p = input_affinities(data, 10);
    const torch::Tensor dense = p.to_dense();
    torch::Tensor y = torch::randn({n, 2}, generator(4), torch::kDouble) * 5;
    // Coincident points (one leaf at the quadtree's depth limit) are still exact.
    y.narrow(0, 5, 10).copy_(y[4].expand({10, 2}));
    for (double exaggeration : {1.0, 12.0}) {
      CAPTURE(exaggeration);
      const torch::Tensor found = kl_gradient(p, y, 0, exaggeration);
      CHECK(relative_error(found, textbook_gradient(dense, y, exaggeration)) < 1e-10);
    }
    // And the derivative of the divergence itself, by autograd.
    const torch::Tensor leaf = y.clone().requires_grad_(true);
    kl_divergence(dense, leaf).backward();
    CHECK(relative_error(kl_gradient(p, y, 0), leaf.grad()) < 1e-10);
  }
}

TEST_CASE("kl_gradient with theta = 0.5 is within a few percent of the exact gradient") {
  const torch::Tensor data = clustered(1000, 10, 10, 3.0, 5).first;
  const SparseMatrix p = input_affinities(data, 30);
  // An embedding like the ones met during the optimization: clusters of various sizes.
  const torch::Tensor y = clustered(1000, 2, 10, 15.0, 6).first *
                          torch::linspace(0.3, 3, 1000, torch::kDouble).unsqueeze(1);
  const torch::Tensor exact = kl_gradient(p, y, 0);
  const double error_05 = relative_error(kl_gradient(p, y, 0.5), exact);
  const double error_02 = relative_error(kl_gradient(p, y, 0.2), exact);
  MESSAGE("Barnes-Hut relative error: theta 0.5 ", error_05, ", theta 0.2 ", error_02);
  CHECK(error_05 < 0.03);
  CHECK(error_05 > 0);
  CHECK(error_02 < error_05);
}

TEST_CASE("tsne is deterministic for a seed; the random initialization depends on it") {
  const torch::Tensor data = clustered(300, 8, 3, 4.0, 7).first.to(torch::kFloat);
  const auto options = TsneOptions().perplexity(10).iterations(100);
  for (TsneInit init : {TsneInit::kPca, TsneInit::kRandom}) {
    CAPTURE(static_cast<int>(init));
    const torch::Tensor first = tsne(data, TsneOptions(options).init(init).seed(1));
    CHECK(first.sizes().vec() == std::vector<int64_t>{300, 2});
    CHECK((first.scalar_type() == torch::kDouble));
    CHECK(torch::isfinite(first).all().item<bool>());
    CHECK(torch::equal(first, tsne(data, TsneOptions(options).init(init).seed(1))));
    const torch::Tensor other = tsne(data, TsneOptions(options).init(init).seed(2));
    if (init == TsneInit::kRandom)
      CHECK(!torch::allclose(first, other));
    else
      CHECK(torch::equal(first, other));  // the PCA initialization draws nothing
  }
}

TEST_CASE("tsne gives the same embedding with one thread and with several") {
  const torch::Tensor data = clustered(1200, 8, 4, 4.0, 8).first.to(torch::kFloat);
  const auto options = TsneOptions().perplexity(10).iterations(20);
  const int threads = torch::get_num_threads();
  torch::set_num_threads(1);
  const torch::Tensor serial = tsne(data, options);
  torch::set_num_threads(2);
  const torch::Tensor parallel = tsne(data, options);
  torch::set_num_threads(threads);
  CHECK(torch::equal(serial, parallel));
}

TEST_CASE("tsne reports progress after every iteration") {
  const torch::Tensor data = clustered(30, 3, 2, 4.0, 9).first;
  std::vector<int64_t> reported;
  tsne(data, TsneOptions().perplexity(5).iterations(7),
       [&](int64_t done) { reported.push_back(done); });
  CHECK(reported == std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7});
}

TEST_CASE("tsne copes with two points, identical points and one-dimensional data") {
  const auto finite = [](const torch::Tensor& y) { return torch::isfinite(y).all().item<bool>(); };
  CHECK(finite(tsne(torch::tensor({{0.0, 1.0}, {2.0, 3.0}}), TsneOptions().perplexity(1))));
  // No principal components: the PCA initialization falls back to the random one.
  const torch::Tensor same = tsne(torch::ones({40, 3}), TsneOptions().perplexity(5));
  CHECK(finite(same));
  CHECK(same.std(0).min().item<double>() > 0);
  CHECK(finite(tsne(torch::randn({40, 1}, generator(11)), TsneOptions().perplexity(5))));
}

TEST_CASE("tsne separates well-separated clusters") {
  const auto [data, labels] = clustered(150, 10, 3, 10.0, 10);
  REQUIRE(knn_accuracy(data, labels, 10) == 1.0);
  const torch::Tensor embedding = tsne(data.to(torch::kFloat));
  CHECK(knn_accuracy(embedding, labels, 10) == 1.0);
  CHECK(embedding.mean(0).abs().max().item<double>() < 1e-9);
}

TEST_CASE("tsne and its pieces reject bad arguments with messages naming them") {
  const torch::Tensor data = torch::randn({10, 3});
  CHECK_THROWS_WITH_AS(tsne(data, TsneOptions().perplexity(10)),
                       "tsne: expected 1 <= perplexity <= N - 1 = 9 (N = 10 points), found 10",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(tsne(data, TsneOptions().perplexity(0.5)),
                       "tsne: expected 1 <= perplexity <= N - 1 = 9 (N = 10 points), found 0.5",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(tsne(torch::randn({1, 3})), "tsne: expected data with N >= 2 rows, found 1",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(tsne(torch::randn({10})),
                       "tsne: expected data of shape (N, D) with D >= 1, found shape (10)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(tsne(torch::randn({4, 2, 2})),
                       "tsne: expected data of shape (N, D) with D >= 1, found shape (4, 2, 2)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(tsne(torch::ones({10, 3}, torch::kLong)),
                       "tsne: expected floating-point data, found dtype Long",
                       std::invalid_argument);
  for (double bad : {NAN, INFINITY, -INFINITY}) {
    torch::Tensor with_bad = data.clone();
    with_bad[3][1] = bad;
    CHECK_THROWS_WITH_AS(tsne(with_bad, TsneOptions().perplexity(3)),
                         "tsne: expected finite data, found NaN or infinity in row 3",
                         std::invalid_argument);
  }
  CHECK_THROWS_WITH_AS(tsne(data, TsneOptions().perplexity(3).theta(-1)),
                       "tsne: expected theta >= 0, found -1", std::invalid_argument);
  CHECK_THROWS_WITH_AS(tsne(data, TsneOptions().perplexity(3).iterations(-5)),
                       "tsne: expected iterations >= 0, found -5", std::invalid_argument);
  CHECK_THROWS_WITH_AS(tsne(data, TsneOptions().perplexity(3).final_momentum(1)),
                       "tsne: expected 0 <= final_momentum < 1, found 1", std::invalid_argument);
  CHECK_THROWS_WITH_AS(input_affinities(data, 12),
                       "input_affinities: expected 1 <= perplexity <= N - 1 = 9 (N = 10 points), "
                       "found 12",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(nearest_neighbours(data, 10),
                       "nearest_neighbours: expected 1 <= k <= N - 1 = 9, found k = 10",
                       std::invalid_argument);
  const SparseMatrix p = input_affinities(data, 3);
  CHECK_THROWS_WITH_AS(kl_gradient(p, torch::zeros({9, 2}), 0.5),
                       "kl_gradient: expected y of shape (10, 2), found (9, 2)",
                       std::invalid_argument);
  const torch::Tensor labels = torch::zeros({10}, torch::kLong);
  CHECK_THROWS_WITH_AS(knn_accuracy(data, labels, 0),
                       "knn_accuracy: expected 1 <= k <= N - 1 = 9, found k = 0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(knn_accuracy(data, torch::zeros({9}, torch::kLong)),
                       "knn_accuracy: expected integer labels of shape (10), found Long of shape "
                       "(9)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(knn_accuracy(data, torch::zeros({10})),
                       "knn_accuracy: expected integer labels of shape (10), found Float of shape "
                       "(10)",
                       std::invalid_argument);
}

TEST_CASE("knn_accuracy on points on a line: majority vote, ties to the nearest label") {
  // Labels 0 0 1 | 1 1 0 at 0, 1, 2.5 | 10, 11, 12.5 (no two distances from a point are equal).
  const torch::Tensor points =
      torch::tensor({0.0, 1.0, 2.5, 10.0, 11.0, 12.5}, torch::kDouble).unsqueeze(1);
  const torch::Tensor labels = torch::tensor({0, 0, 1, 1, 1, 0}, torch::kLong);
  // k = 1: 2.5 and 12.5 take the label of 1 and 11.
  CHECK(knn_accuracy(points, labels, 1) == doctest::Approx(4.0 / 6));
  // k = 2: 10 has neighbours 11 (label 1) and 12.5 (label 0): the tie goes to the nearer, 1;
  // likewise 0, 1 and 11 keep their labels.
  CHECK(knn_accuracy(points, labels, 2) == doctest::Approx(4.0 / 6));
  CHECK(knn_accuracy(points, labels.to(torch::kUInt8), 2) == doctest::Approx(4.0 / 6));
  // k = 3: only 10 and 11 win their vote.
  CHECK(knn_accuracy(points, labels, 3) == doctest::Approx(2.0 / 6));
  CHECK(knn_accuracy(points.to(torch::kFloat), labels, 3) == doctest::Approx(2.0 / 6));
}

}  // namespace test_tsne
