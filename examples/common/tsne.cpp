#include "examples/common/tsne.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace ppl::examples {
namespace tsne_detail {
namespace {

/// Elements of one block of the neighbour search (a rows x N distance matrix, or the rows x k x D
/// differences to the neighbours found): 32 MiB in float64.
constexpr int64_t kBlockElements = int64_t{1} << 22;

std::string shape_of(const torch::Tensor& tensor) {
  return fmt::format("({})", fmt::join(tensor.sizes(), ", "));
}

/// Throws unless `points` is a finite N x D floating-point matrix with N >= 2 and D >= 1.
void check_points(const char* caller, const char* name, const torch::Tensor& points) {
  if (!points.defined())
    throw std::invalid_argument(
        fmt::format("{}: expected {} of shape (N, D), found an undefined tensor", caller, name));
  if (points.dim() != 2 || points.size(1) < 1)
    throw std::invalid_argument(
        fmt::format("{}: expected {} of shape (N, D) with D >= 1, found shape {}", caller, name,
                    shape_of(points)));
  if (points.size(0) < 2)
    throw std::invalid_argument(
        fmt::format("{}: expected {} with N >= 2 rows, found {}", caller, name, points.size(0)));
  if (!points.is_floating_point())
    throw std::invalid_argument(fmt::format("{}: expected floating-point {}, found dtype {}",
                                            caller, name, c10::toString(points.scalar_type())));
  torch::NoGradGuard no_grad;
  const torch::Tensor finite = torch::isfinite(points).all(1);
  if (!finite.all().item<bool>()) {
    const int64_t row = torch::logical_not(finite).nonzero()[0][0].item<int64_t>();
    throw std::invalid_argument(
        fmt::format("{}: expected finite {}, found NaN or infinity in row {}", caller, name, row));
  }
}

void check_perplexity(const char* caller, double perplexity, int64_t n) {
  // A row's distribution spreads over at most N - 1 neighbours, and its perplexity is at least 1.
  if (!(perplexity >= 1 && perplexity <= static_cast<double>(n - 1)))
    throw std::invalid_argument(
        fmt::format("{}: expected 1 <= perplexity <= N - 1 = {} (N = {} points), found {}", caller,
                    n - 1, n, perplexity));
}

/// One row of conditional_affinities: bisection on the precision beta, doubling it (or halving)
/// until the target is bracketed, as in van der Maaten's bhtsne.
void calibrate_row(const double* distances, int64_t k, double log_perplexity, double* p) {
  // Distances relative to the nearest keep exp() from underflowing for every neighbour.
  const double nearest = *std::min_element(distances, distances + k);
  double beta = 1, low = 0, high = std::numeric_limits<double>::infinity();
  double total = 1;
  for (int step = 0; step < 200; ++step) {
    double weighted = 0;
    total = 0;
    for (int64_t j = 0; j < k; ++j) {
      const double shifted = distances[j] - nearest;
      p[j] = std::exp(-beta * shifted);
      total += p[j];
      weighted += p[j] * shifted;
    }
    const double entropy = std::log(total) + beta * weighted / total;
    const double excess = entropy - log_perplexity;
    if (std::abs(excess) < 1e-10) break;
    if (excess > 0) {
      low = beta;
      beta = std::isinf(high) ? 2 * beta : (beta + high) / 2;
    } else {
      high = beta;
      beta = (beta + low) / 2;
    }
  }
  for (int64_t j = 0; j < k; ++j) p[j] /= total;
}

/// A quadtree over the embedding, rebuilt at every iteration, for the Barnes-Hut sums. Cells are
/// squares split in four until they hold at most kLeafSize points (or reach kMaxDepth, for
/// coincident points); the points are reordered so that every cell is a contiguous range.
class QuadTree {
 public:
  /// Builds the tree over the n points y (x0, y0, x1, y1, ...).
  void build(const double* y, int64_t n);

  /// For every point i: forces[2i, 2i + 1] = sum_{j != i} w_ij^2 (y_i - y_j) with
  /// w_ij = 1 / (1 + |y_i - y_j|^2); returns Z = sum_i sum_{j != i} w_ij. A cell not containing
  /// i whose side s satisfies s < theta * (distance from y_i to its centre of mass) counts as its
  /// points all at that centre.
  double repulsion(double theta, double* forces);

 private:
  static constexpr int64_t kLeafSize = 4;
  static constexpr int kMaxDepth = 48;
  // Traversal stack: each level pops one cell and pushes at most four.
  static constexpr int kStackSize = 3 * kMaxDepth + 8;

  struct Cell {
    double centre_x, centre_y, half_side;
    double mass_x, mass_y;  // centre of mass
    double count;
    int64_t begin, end;   // points order_[begin, end)
    int64_t first_child;  // the four children are consecutive; -1 for a leaf
  };

  void subdivide(int64_t cell, const double* y, int depth);

  std::vector<Cell> cells_;
  std::vector<int64_t> order_;     // point at each tree position
  std::vector<double> xs_, ys_;    // coordinates in tree order
  std::vector<double> partial_z_;  // per point, summed in a fixed order
};

void QuadTree::build(const double* y, int64_t n) {
  order_.resize(n);
  for (int64_t i = 0; i < n; ++i) order_[i] = i;
  double min_x = y[0], max_x = y[0], min_y = y[1], max_y = y[1];
  for (int64_t i = 1; i < n; ++i) {
    min_x = std::min(min_x, y[2 * i]);
    max_x = std::max(max_x, y[2 * i]);
    min_y = std::min(min_y, y[2 * i + 1]);
    max_y = std::max(max_y, y[2 * i + 1]);
  }
  Cell root{};
  root.centre_x = (min_x + max_x) / 2;
  root.centre_y = (min_y + max_y) / 2;
  root.half_side = std::max(max_x - min_x, max_y - min_y) / 2;
  root.begin = 0;
  root.end = n;
  cells_.clear();
  cells_.push_back(root);
  subdivide(0, y, 0);
  xs_.resize(n);
  ys_.resize(n);
  for (int64_t position = 0; position < n; ++position) {
    xs_[position] = y[2 * order_[position]];
    ys_[position] = y[2 * order_[position] + 1];
  }
}

void QuadTree::subdivide(int64_t index, const double* y, int depth) {
  const Cell cell = cells_[index];  // a copy: push_back below may move the cells
  const auto begin = order_.begin() + cell.begin, end = order_.begin() + cell.end;
  if (cell.end - cell.begin <= kLeafSize || depth >= kMaxDepth) {
    double sum_x = 0, sum_y = 0;
    for (auto it = begin; it != end; ++it) {
      sum_x += y[2 * *it];
      sum_y += y[2 * *it + 1];
    }
    Cell& leaf = cells_[index];
    leaf.count = static_cast<double>(cell.end - cell.begin);
    leaf.mass_x = leaf.count > 0 ? sum_x / leaf.count : cell.centre_x;
    leaf.mass_y = leaf.count > 0 ? sum_y / leaf.count : cell.centre_y;
    leaf.first_child = -1;
    return;
  }
  // Quadrants in the order (low x, low y), (high x, low y), (low x, high y), (high x, high y).
  const auto low_y =
      std::partition(begin, end, [&](int64_t i) { return y[2 * i + 1] < cell.centre_y; });
  const auto low_x_low_y =
      std::partition(begin, low_y, [&](int64_t i) { return y[2 * i] < cell.centre_x; });
  const auto low_x_high_y =
      std::partition(low_y, end, [&](int64_t i) { return y[2 * i] < cell.centre_x; });
  const int64_t bounds[5] = {cell.begin, low_x_low_y - order_.begin(), low_y - order_.begin(),
                             low_x_high_y - order_.begin(), cell.end};
  const int64_t first_child = static_cast<int64_t>(cells_.size());
  const double quarter = cell.half_side / 2;
  for (int quadrant = 0; quadrant < 4; ++quadrant) {
    Cell child{};
    child.centre_x = cell.centre_x + (quadrant % 2 == 0 ? -quarter : quarter);
    child.centre_y = cell.centre_y + (quadrant < 2 ? -quarter : quarter);
    child.half_side = quarter;
    child.begin = bounds[quadrant];
    child.end = bounds[quadrant + 1];
    cells_.push_back(child);
  }
  double sum_x = 0, sum_y = 0;
  for (int quadrant = 0; quadrant < 4; ++quadrant) {
    subdivide(first_child + quadrant, y, depth + 1);
    const Cell& child = cells_[first_child + quadrant];
    sum_x += child.count * child.mass_x;
    sum_y += child.count * child.mass_y;
  }
  Cell& parent = cells_[index];
  parent.count = static_cast<double>(cell.end - cell.begin);
  parent.mass_x = sum_x / parent.count;
  parent.mass_y = sum_y / parent.count;
  parent.first_child = first_child;
}

double QuadTree::repulsion(double theta, double* forces) {
  const int64_t n = static_cast<int64_t>(order_.size());
  const double theta_squared = theta * theta;
  partial_z_.resize(n);
  // Points in tree order: neighbouring queries visit the same cells.
  at::parallel_for(0, n, 256, [&](int64_t first, int64_t last) {
    int64_t stack[kStackSize];
    for (int64_t position = first; position < last; ++position) {
      const double x = xs_[position], y = ys_[position];
      double force_x = 0, force_y = 0, z = 0;
      int top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const Cell& cell = cells_[stack[--top]];
        if (cell.begin == cell.end) continue;
        if (position < cell.begin || position >= cell.end) {
          const double dx = x - cell.mass_x, dy = y - cell.mass_y;
          const double squared_distance = dx * dx + dy * dy;
          const double side = 2 * cell.half_side;
          if (side * side < theta_squared * squared_distance) {
            const double w = 1 / (1 + squared_distance);
            const double count_w = cell.count * w;
            z += count_w;
            force_x += count_w * w * dx;
            force_y += count_w * w * dy;
            continue;
          }
        }
        if (cell.first_child < 0) {
          for (int64_t other = cell.begin; other < cell.end; ++other) {
            if (other == position) continue;
            const double dx = x - xs_[other], dy = y - ys_[other];
            const double w = 1 / (1 + dx * dx + dy * dy);
            z += w;
            force_x += w * w * dx;
            force_y += w * w * dy;
          }
        } else {
          for (int child = 3; child >= 0; --child) stack[top++] = cell.first_child + child;
        }
      }
      const int64_t i = order_[position];
      forces[2 * i] = force_x;
      forces[2 * i + 1] = force_y;
      partial_z_[i] = z;
    }
  });
  double total = 0;
  for (double z : partial_z_) total += z;
  return total;
}

/// grad = 4 (exaggeration * attraction - repulsion / Z) for the embedding y (x0, y0, ...).
void gradient(const SparseMatrix& p, const double* y, double theta, double exaggeration,
              QuadTree& tree, double* grad) {
  const int64_t n = p.size;
  tree.build(y, n);
  const double z = tree.repulsion(theta, grad);
  at::parallel_for(0, n, 256, [&](int64_t first, int64_t last) {
    for (int64_t i = first; i < last; ++i) {
      double attraction_x = 0, attraction_y = 0;
      for (int64_t e = p.offsets[i]; e < p.offsets[i + 1]; ++e) {
        const int64_t j = p.columns[e];
        const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        const double pw = p.values[e] / (1 + dx * dx + dy * dy);
        attraction_x += pw * dx;
        attraction_y += pw * dy;
      }
      grad[2 * i] = 4 * (exaggeration * attraction_x - grad[2 * i] / z);
      grad[2 * i + 1] = 4 * (exaggeration * attraction_y - grad[2 * i + 1] / z);
    }
  });
}

/// The sign as van der Maaten's sign(): 0 for 0.
int sign(double value) {
  return (value > 0) - (value < 0);
}

}  // namespace

Neighbours nearest_neighbours(const torch::Tensor& points, int64_t k) {
  check_points("nearest_neighbours", "points", points);
  const int64_t n = points.size(0), dims = points.size(1);
  if (k < 1 || k > n - 1)
    throw std::invalid_argument(
        fmt::format("nearest_neighbours: expected 1 <= k <= N - 1 = {}, found k = {}", n - 1, k));
  torch::NoGradGuard no_grad;
  torch::Tensor x = points.detach();
  if (x.scalar_type() != torch::kDouble) x = x.to(torch::kFloat);
  x = x.contiguous();
  const torch::Tensor x64 = x.to(torch::kDouble);
  const torch::Tensor squared_norms = (x * x).sum(1);
  const int64_t rows_per_block = std::clamp<int64_t>(kBlockElements / std::max(n, k * dims), 1, n);
  Neighbours result{torch::empty({n, k}, torch::kLong), torch::empty({n, k}, torch::kDouble)};
  for (int64_t start = 0; start < n; start += rows_per_block) {
    const int64_t rows = std::min(rows_per_block, n - start);
    const torch::Tensor block = x.narrow(0, start, rows);
    // |a - b|^2 = |a|^2 + |b|^2 - 2 a.b: one matrix product per block.
    torch::Tensor distances =
        torch::addmm(squared_norms.narrow(0, start, rows).unsqueeze(1) + squared_norms.unsqueeze(0),
                     block, x.t(), /*beta=*/1, /*alpha=*/-2);
    distances.diagonal(start).fill_(std::numeric_limits<double>::infinity());
    const torch::Tensor nearest =
        std::get<1>(distances.topk(k, /*dim=*/1, /*largest=*/false, /*sorted=*/true));
    // The expansion above cancels badly for close points: recompute the chosen ones directly.
    const torch::Tensor exact = (x64.index_select(0, nearest.reshape(-1)).view({rows, k, dims}) -
                                 x64.narrow(0, start, rows).unsqueeze(1))
                                    .square()
                                    .sum(2);
    const auto [sorted, order] = exact.sort(/*stable=*/true, /*dim=*/1, /*descending=*/false);
    result.indices.narrow(0, start, rows).copy_(nearest.gather(1, order));
    result.squared_distances.narrow(0, start, rows).copy_(sorted);
  }
  return result;
}

torch::Tensor conditional_affinities(const torch::Tensor& squared_distances, double perplexity) {
  if (!squared_distances.defined() || squared_distances.dim() != 2 || squared_distances.size(1) < 1)
    throw std::invalid_argument(
        "conditional_affinities: expected squared_distances of shape (N, k) with k >= 1");
  const int64_t n = squared_distances.size(0), k = squared_distances.size(1);
  if (!(perplexity >= 1 && perplexity <= static_cast<double>(k)))
    throw std::invalid_argument(fmt::format(
        "conditional_affinities: expected 1 <= perplexity <= k = {}, found {}", k, perplexity));
  const torch::Tensor distances =
      squared_distances.detach().to(torch::kCPU, torch::kDouble).contiguous();
  torch::Tensor p = torch::empty({n, k}, torch::kDouble);
  const double* d = distances.data_ptr<double>();
  double* out = p.data_ptr<double>();
  const double log_perplexity = std::log(perplexity);
  at::parallel_for(0, n, 64, [&](int64_t first, int64_t last) {
    for (int64_t i = first; i < last; ++i) calibrate_row(d + i * k, k, log_perplexity, out + i * k);
  });
  return p;
}

torch::Tensor SparseMatrix::to_dense() const {
  torch::Tensor dense = torch::zeros({size, size}, torch::kDouble);
  auto a = dense.accessor<double, 2>();
  for (int64_t i = 0; i < size; ++i)
    for (int64_t e = offsets[i]; e < offsets[i + 1]; ++e) a[i][columns[e]] = values[e];
  return dense;
}

SparseMatrix symmetrize(const torch::Tensor& indices, const torch::Tensor& conditional) {
  if (!indices.defined() || !conditional.defined() || indices.dim() != 2 ||
      indices.sizes() != conditional.sizes())
    throw std::invalid_argument(
        "symmetrize: expected indices and conditional affinities of the same shape (N, k)");
  const int64_t n = indices.size(0), k = indices.size(1);
  const torch::Tensor columns = indices.to(torch::kCPU, torch::kLong).contiguous();
  const torch::Tensor values = conditional.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const int64_t* column = columns.data_ptr<int64_t>();
  const double* value = values.data_ptr<double>();
  // Entry (i, j) of C lands in row i and, transposed, in row j; duplicates are merged after.
  std::vector<int64_t> fill(n + 1, 0);
  for (int64_t e = 0; e < n * k; ++e) {
    if (column[e] < 0 || column[e] >= n)
      throw std::invalid_argument(fmt::format(
          "symmetrize: expected indices in [0, {}), found {} in row {}", n, column[e], e / k));
    ++fill[e / k + 1];
    ++fill[column[e] + 1];
  }
  for (int64_t i = 0; i < n; ++i) fill[i + 1] += fill[i];
  std::vector<std::pair<int64_t, double>> entries(fill[n]);
  std::vector<int64_t> next(fill.begin(), fill.end() - 1);
  for (int64_t e = 0; e < n * k; ++e) {
    entries[next[e / k]++] = {column[e], value[e]};
    entries[next[column[e]]++] = {e / k, value[e]};
  }
  SparseMatrix p;
  p.size = n;
  p.offsets.assign(1, 0);
  p.columns.reserve(entries.size());
  p.values.reserve(entries.size());
  const double scale = 1.0 / (2.0 * static_cast<double>(n));
  for (int64_t i = 0; i < n; ++i) {
    const auto row_begin = entries.begin() + fill[i], row_end = entries.begin() + fill[i + 1];
    std::sort(row_begin, row_end);
    for (auto it = row_begin; it != row_end; ++it) {
      // At most two entries share a column, so the sum does not depend on their order.
      if (p.columns.size() > static_cast<size_t>(p.offsets.back()) &&
          p.columns.back() == it->first) {
        p.values.back() += it->second * scale;
      } else {
        p.columns.push_back(it->first);
        p.values.push_back(it->second * scale);
      }
    }
    p.offsets.push_back(static_cast<int64_t>(p.columns.size()));
  }
  return p;
}

namespace {

SparseMatrix checked_affinities(const char* caller, const torch::Tensor& data, double perplexity) {
  check_points(caller, "data", data);
  const int64_t n = data.size(0);
  check_perplexity(caller, perplexity, n);
  const int64_t k = std::min<int64_t>(n - 1, static_cast<int64_t>(std::floor(3 * perplexity)));
  const Neighbours neighbours = nearest_neighbours(data, k);
  return symmetrize(neighbours.indices,
                    conditional_affinities(neighbours.squared_distances, perplexity));
}

}  // namespace

SparseMatrix input_affinities(const torch::Tensor& data, double perplexity) {
  return checked_affinities("input_affinities", data, perplexity);
}

torch::Tensor kl_gradient(const SparseMatrix& p, const torch::Tensor& y, double theta,
                          double exaggeration) {
  if (!y.defined() || y.dim() != 2 || y.size(0) != p.size || y.size(1) != 2)
    throw std::invalid_argument(
        fmt::format("kl_gradient: expected y of shape ({}, 2), found {}", p.size,
                    y.defined() ? shape_of(y) : std::string("an undefined tensor")));
  if (!(theta >= 0))
    throw std::invalid_argument(fmt::format("kl_gradient: expected theta >= 0, found {}", theta));
  const torch::Tensor points = y.detach().to(torch::kCPU, torch::kDouble).contiguous();
  torch::Tensor grad = torch::empty({p.size, 2}, torch::kDouble);
  QuadTree tree;
  gradient(p, points.data_ptr<double>(), theta, exaggeration, tree, grad.data_ptr<double>());
  return grad;
}

}  // namespace tsne_detail

namespace {

void check_options(const TsneOptions& options) {
  const auto fail = [](const char* expected, double found) {
    throw std::invalid_argument(fmt::format("tsne: expected {}, found {}", expected, found));
  };
  if (options.iterations() < 0) fail("iterations >= 0", options.iterations());
  if (!(options.theta() >= 0 && std::isfinite(options.theta())))
    fail("theta >= 0", options.theta());
  if (!(options.early_exaggeration() > 0 && std::isfinite(options.early_exaggeration())))
    fail("early_exaggeration > 0", options.early_exaggeration());
  if (options.exaggeration_iterations() < 0)
    fail("exaggeration_iterations >= 0", options.exaggeration_iterations());
  if (!std::isfinite(options.learning_rate()))
    fail("a finite learning_rate (<= 0 for automatic)", options.learning_rate());
  if (!(options.momentum() >= 0 && options.momentum() < 1))
    fail("0 <= momentum < 1", options.momentum());
  if (!(options.final_momentum() >= 0 && options.final_momentum() < 1))
    fail("0 <= final_momentum < 1", options.final_momentum());
}

/// The first two principal components of `data`, scaled so that the first has standard deviation
/// 1e-4; undefined when the data do not span two dimensions.
torch::Tensor pca_initialization(const torch::Tensor& data) {
  torch::NoGradGuard no_grad;
  const torch::Tensor x = data.detach().to(torch::kCPU, torch::kDouble);
  const int64_t n = x.size(0), dims = x.size(1);
  if (dims < 2) return {};
  const torch::Tensor centred = x - x.mean(0, /*keepdim=*/true);
  torch::Tensor components;  // dims x 2, largest variance first
  if (dims <= n) {
    const torch::Tensor eigenvectors =
        std::get<1>(torch::linalg::eigh(centred.t().mm(centred), "L"));
    components = eigenvectors.narrow(1, dims - 2, 2).flip(1);
  } else {
    // Fewer points than dimensions: the eigenvectors of the Gram matrix are cheaper.
    const torch::Tensor eigenvectors =
        std::get<1>(torch::linalg::eigh(centred.mm(centred.t()), "L"));
    components = centred.t().mm(eigenvectors.narrow(1, n - 2, 2).flip(1));
    components = components / components.norm(2, 0, /*keepdim=*/true);
  }
  // Fix each component's sign (its largest entry positive) as sklearn's svd_flip does.
  const torch::Tensor largest = components.gather(0, components.abs().argmax(0, true));
  components = components * torch::where(largest < 0, -1.0, 1.0);
  torch::Tensor y = centred.mm(components);
  const double first_std = y.select(1, 0).std(/*unbiased=*/false).item<double>();
  const double second_std = y.select(1, 1).std(/*unbiased=*/false).item<double>();
  if (!(first_std > 0 && second_std > 0 && std::isfinite(first_std))) return {};
  return (y * (1e-4 / first_std)).contiguous();
}

}  // namespace

torch::Tensor tsne(const torch::Tensor& data, const TsneOptions& options,
                   const TsneProgress& progress) {
  check_options(options);
  const tsne_detail::SparseMatrix p =
      tsne_detail::checked_affinities("tsne", data, options.perplexity());
  const int64_t n = p.size;

  torch::Tensor initial;
  if (options.init() == TsneInit::kPca) initial = pca_initialization(data);
  if (!initial.defined()) {
    auto generator = at::detail::createCPUGenerator(options.seed());
    initial = torch::randn({n, 2}, generator, torch::kDouble) * 1e-4;
  }
  std::vector<double> y(initial.data_ptr<double>(), initial.data_ptr<double>() + 2 * n);
  std::vector<double> grad(2 * n), update(2 * n, 0.0), gains(2 * n, 1.0);
  const double learning_rate =
      options.learning_rate() > 0
          ? options.learning_rate()
          : std::max(static_cast<double>(n) / options.early_exaggeration() / 4, 50.0);

  tsne_detail::QuadTree tree;
  for (int64_t iteration = 0; iteration < options.iterations(); ++iteration) {
    const bool early = iteration < options.exaggeration_iterations();
    tsne_detail::gradient(p, y.data(), options.theta(), early ? options.early_exaggeration() : 1,
                          tree, grad.data());
    const double momentum = early ? options.momentum() : options.final_momentum();
    // Gains (Jacobs 1988) as in bhtsne: grow while the steps keep their direction (gradient
    // and last update of opposite signs), shrink when they turn back.
    double mean_x = 0, mean_y = 0;
    for (int64_t e = 0; e < 2 * n; ++e) {
      gains[e] = tsne_detail::sign(grad[e]) != tsne_detail::sign(update[e]) ? gains[e] + 0.2
                                                                            : gains[e] * 0.8;
      gains[e] = std::max(gains[e], 0.01);
      update[e] = momentum * update[e] - learning_rate * gains[e] * grad[e];
      y[e] += update[e];
      (e % 2 == 0 ? mean_x : mean_y) += y[e];
    }
    mean_x /= static_cast<double>(n);
    mean_y /= static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i) {
      y[2 * i] -= mean_x;
      y[2 * i + 1] -= mean_y;
    }
    if (progress) progress(iteration + 1);
  }
  return torch::from_blob(y.data(), {n, 2}, torch::kDouble).clone();
}

double knn_accuracy(const torch::Tensor& points, const torch::Tensor& labels, int64_t k) {
  tsne_detail::check_points("knn_accuracy", "points", points);
  const int64_t n = points.size(0);
  if (!labels.defined() || labels.dim() != 1 || labels.size(0) != n || labels.is_floating_point() ||
      labels.is_complex() || labels.scalar_type() == torch::kBool)
    throw std::invalid_argument(
        fmt::format("knn_accuracy: expected integer labels of shape ({}), found {} of shape {}", n,
                    labels.defined() ? c10::toString(labels.scalar_type()) : "undefined",
                    labels.defined() ? tsne_detail::shape_of(labels) : std::string("()")));
  if (k < 1 || k > n - 1)
    throw std::invalid_argument(
        fmt::format("knn_accuracy: expected 1 <= k <= N - 1 = {}, found k = {}", n - 1, k));
  const torch::Tensor neighbours = tsne_detail::nearest_neighbours(points, k).indices;
  const torch::Tensor label_values = labels.to(torch::kCPU, torch::kLong).contiguous();
  const int64_t* label = label_values.data_ptr<int64_t>();
  const int64_t* neighbour = neighbours.data_ptr<int64_t>();
  int64_t correct = 0;
  std::vector<std::pair<int64_t, int64_t>> votes;  // (label, count) in order of first appearance
  for (int64_t i = 0; i < n; ++i) {
    votes.clear();
    for (int64_t m = 0; m < k; ++m) {
      const int64_t vote = label[neighbour[i * k + m]];
      auto it = std::find_if(votes.begin(), votes.end(),
                             [&](const auto& entry) { return entry.first == vote; });
      if (it == votes.end())
        votes.emplace_back(vote, 1);
      else
        ++it->second;
    }
    // The first label with the most votes: on a tie, the one whose nearest voter is nearest.
    auto winner = votes.begin();
    for (auto it = votes.begin(); it != votes.end(); ++it)
      if (it->second > winner->second) winner = it;
    if (winner->first == label[i]) ++correct;
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

}  // namespace ppl::examples
