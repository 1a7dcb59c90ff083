#pragma once
// t-SNE (van der Maaten 2014): a 2-D embedding of high-dimensional points from sparse kNN
// affinities and the Barnes-Hut approximation of the repulsive forces; and the leave-one-out kNN
// accuracy used to compare an embedding with the space it came from.

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace ppl::examples {

/// How tsne() places the points before optimizing.
enum class TsneInit {
  /// The first two principal components, scaled so that the first has standard deviation 1e-4
  /// (sklearn); kRandom when the data do not span two dimensions.
  kPca,
  kRandom,  ///< N(0, 1e-4^2) draws from the seed (van der Maaten's bhtsne)
};

/// Options of tsne(); the defaults are the standard schedule (bhtsne, sklearn, openTSNE).
struct TsneOptions {
  /// Effective number of neighbours of each point, 1 <= perplexity <= N - 1.
  TORCH_ARG(double, perplexity) = 30;
  /// Gradient-descent iterations, exaggeration phase included.
  TORCH_ARG(int64_t, iterations) = 1000;
  /// Barnes-Hut accuracy: a cell of side s at distance d is summarised when s / d < theta;
  /// 0 computes the exact O(N^2) gradient.
  TORCH_ARG(double, theta) = 0.5;
  /// Factor on the input affinities during the first exaggeration_iterations.
  TORCH_ARG(double, early_exaggeration) = 12;
  TORCH_ARG(int64_t, exaggeration_iterations) = 250;
  /// Step size; <= 0 chooses max(N / early_exaggeration / 4, 50) (sklearn's "auto").
  TORCH_ARG(double, learning_rate) = 0;
  /// Momentum during the exaggeration phase, then final_momentum.
  TORCH_ARG(double, momentum) = 0.5;
  TORCH_ARG(double, final_momentum) = 0.8;
  TORCH_ARG(TsneInit, init) = TsneInit::kPca;
  /// Seeds the random initialization (the PCA initialization does not use it).
  TORCH_ARG(uint64_t, seed) = 0;
};

/// Called after each iteration with the number of iterations done.
using TsneProgress = std::function<void(int64_t iterations_done)>;

/// Embeds the rows of `data` (N x D floating point, N >= 2, finite; any device: the neighbour
/// search runs there, the optimization on the CPU) in 2-D. Returns N x 2 float64 on the CPU, with
/// mean zero. Deterministic for given data and options, whatever the number of threads. Throws
/// std::invalid_argument naming the argument when the data or an option is out of range.
///
///   auto embedding = tsne(latents, TsneOptions().perplexity(30).seed(1));
torch::Tensor tsne(const torch::Tensor& data, const TsneOptions& options = {},
                   const TsneProgress& progress = nullptr);

/// Leave-one-out k-nearest-neighbour accuracy: the fraction of the rows of `points` (N x D,
/// floating point) whose label (`labels`, N integers) wins the majority vote among its k nearest
/// other rows, a tied vote going to the tied label with the nearest representative.
/// 1 <= k <= N - 1. Euclidean distances, computed in row blocks on the points' device.
double knn_accuracy(const torch::Tensor& points, const torch::Tensor& labels, int64_t k = 10);

/// The pieces of tsne(), exposed for the tests.
namespace tsne_detail {

/// The k nearest other rows of each row.
struct Neighbours {
  torch::Tensor indices;            ///< int64 (N, k), nearest first
  torch::Tensor squared_distances;  ///< float64 (N, k), ascending
};

/// Exact k nearest neighbours (Euclidean; a point is not its own neighbour) of the rows of
/// `points` (N x D floating point, 1 <= k <= N - 1), found in row blocks with matrix products in
/// the points' dtype on their device; the returned distances are recomputed in float64. Results
/// on the CPU.
Neighbours nearest_neighbours(const torch::Tensor& points, int64_t k);

/// Row i: p_{j|i} proportional to exp(-beta_i * squared_distances[i][j]) over the row, beta_i
/// found by bisection so that the row's perplexity exp(entropy) equals `perplexity` (to 1e-10 in
/// the log). float64 (N, k), rows summing to one.
torch::Tensor conditional_affinities(const torch::Tensor& squared_distances, double perplexity);

/// A sparse N x N matrix in compressed rows, each row's columns ascending.
struct SparseMatrix {
  int64_t size = 0;              ///< N
  std::vector<int64_t> offsets;  ///< N + 1: row i is [offsets[i], offsets[i + 1])
  std::vector<int64_t> columns;
  std::vector<double> values;

  /// The dense N x N float64 tensor (for tests).
  torch::Tensor to_dense() const;
};

/// P = (C + C^T) / (2N) for the conditional affinities C (row i holds `conditional[i][m]` in
/// column `indices[i][m]`): symmetric, summing to one.
SparseMatrix symmetrize(const torch::Tensor& indices, const torch::Tensor& conditional);

/// The input affinities of t-SNE: kNN with k = min(N - 1, floor(3 * perplexity)), conditional
/// affinities at the perplexity, symmetrized. Validates as tsne() does.
SparseMatrix input_affinities(const torch::Tensor& data, double perplexity);

/// The gradient of KL(exaggeration * P || Q) with respect to the embedding `y` (N x 2, cast to
/// float64): 4 sum_j (exaggeration p_ij - q_ij) (y_i - y_j) / (1 + |y_i - y_j|^2), the repulsive
/// part by Barnes-Hut at `theta` (0: exact). float64 (N, 2).
torch::Tensor kl_gradient(const SparseMatrix& p, const torch::Tensor& y, double theta,
                          double exaggeration = 1);

}  // namespace tsne_detail
}  // namespace ppl::examples
