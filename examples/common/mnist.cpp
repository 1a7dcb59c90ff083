#include "examples/common/mnist.h"

#include "examples/common/idx.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

namespace ppl::examples {
namespace {

/// `data_dir/name`, or `data_dir/name.gz` when only that exists.
std::string find_mnist_file(const std::string& data_dir, const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path raw = fs::path(data_dir) / name;
  const fs::path gzipped = fs::path(data_dir) / (name + ".gz");
  std::error_code error;
  if (fs::exists(raw, error)) return raw.string();
  if (fs::exists(gzipped, error)) return gzipped.string();
  throw std::runtime_error(
      fmt::format("{}: no such file (nor {}.gz); to download MNIST, run scripts/fetch_mnist {}",
                  raw.string(), name, data_dir));
}

/// The number of images of `split`, after checking what MnistBatches needs of it.
int64_t checked_size(const MnistSplit& split, int64_t batch_size) {
  if (batch_size <= 0)
    throw std::invalid_argument(
        fmt::format("MnistBatches: expected batch_size > 0, found {}", batch_size));
  if (!split.images.defined() || split.images.dim() < 1 ||
      split.images.scalar_type() != torch::kUInt8)
    throw std::invalid_argument("MnistBatches: expected uint8 images of shape (N, ...)");
  return split.images.size(0);
}

}  // namespace

MnistSplit load_mnist(const std::string& data_dir, bool train) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = find_mnist_file(data_dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_mnist_file(data_dir, prefix + "-labels-idx1-ubyte");
  MnistSplit split;
  split.images = read_idx_images(images_path, {/*count=*/-1, /*rows=*/28, /*cols=*/28});
  split.labels = read_idx_labels(labels_path);
  if (split.images.size(0) != split.labels.size(0))
    throw std::runtime_error(fmt::format("{} has {} images but {} has {} labels", images_path,
                                         split.images.size(0), labels_path, split.labels.size(0)));
  if (split.labels.numel() > 0) {
    const int64_t largest = split.labels.max().item<int64_t>();
    if (largest > 9)
      throw std::runtime_error(
          fmt::format("{}: expected digits 0..9 as labels, found {}", labels_path, largest));
  }
  return split;
}

MnistBatches::MnistBatches(const MnistSplit& split, int64_t batch_size, bool shuffle,
                           torch::Device device, uint64_t seed, int64_t rank, int64_t world_size)
    : sampler_(checked_size(split, batch_size), batch_size, rank, world_size, shuffle, seed),
      device_(device) {
  images_ = split.images.reshape({split.images.size(0), -1});
  if (split.labels.defined()) {
    if (split.labels.dim() != 1 || split.labels.size(0) != size())
      throw std::invalid_argument(fmt::format("MnistBatches: {} images but labels of shape ({})",
                                              size(), fmt::join(split.labels.sizes(), ", ")));
    labels_ = split.labels;
  }
}

void MnistBatches::start_epoch(int64_t epoch) {
  sampler_.start_epoch(epoch);
}

torch::Tensor MnistBatches::indices(int64_t i) const {
  return sampler_.indices(i);
}

torch::Tensor MnistBatches::rows_of(const torch::Tensor& data, int64_t i) const {
  if (sampler_.shuffle()) return data.index_select(0, sampler_.indices(i).to(data.device()));
  const auto [start, length] = sampler_.span(i);
  return data.narrow(0, start, length);  // file order: a view, no gather
}

torch::Tensor MnistBatches::batch(int64_t i) const {
  return rows_of(images_, i).to(device_).to(torch::kFloat32).div_(255);
}

torch::Tensor MnistBatches::labels(int64_t i) const {
  if (!labels_.defined()) throw std::invalid_argument("MnistBatches: the split has no labels");
  return rows_of(labels_, i).to(device_).to(torch::kLong);
}

MnistSplit binarize(MnistSplit split, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  auto probs = split.images.to(torch::kFloat64) / 255.0;
  split.images = (at::bernoulli(probs, generator) * 255).to(torch::kUInt8);
  return split;
}

}  // namespace ppl::examples
