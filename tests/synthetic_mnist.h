#pragma once
// A tiny labelled MNIST look-alike for the tests of the examples' training loops, written in the
// IDX format that load_mnist reads.

#include <torch/torch.h>

#include <unistd.h>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace ppl::testing {

/// Images and their labels.
struct LabelledImages {
  torch::Tensor images;  ///< float (n, 28, 28) in [0, 1]
  torch::Tensor labels;  ///< int64 (n): which blob, 0..3
};

/// The four blurred blobs of the synthetic images, centred in the four quadrants: (4, 28, 28).
inline torch::Tensor synthetic_blobs() {
  auto grid = torch::arange(28, torch::kFloat);
  auto yy = grid.view({28, 1}), xx = grid.view({1, 28});
  std::vector<torch::Tensor> blobs;
  for (auto [cy, cx] : {std::pair{7, 7}, {7, 20}, {20, 7}, {20, 20}})
    blobs.push_back(torch::exp(-((yy - cy).square() + (xx - cx).square()) / 18.0));
  return torch::stack(blobs);
}

/// `n` 28x28 images: one of four blurred blobs per image (its label), with pixel noise.
inline LabelledImages synthetic_labelled_images(int64_t n, uint64_t seed) {
  auto generator = at::detail::createCPUGenerator(seed);
  auto which = torch::randint(4, {n}, generator, torch::kLong);
  auto images = synthetic_blobs().index_select(0, which);
  return {(images + 0.05 * torch::rand({n, 28, 28}, generator)).clamp(0, 1), which};
}

/// The images of synthetic_labelled_images.
inline torch::Tensor synthetic_images(int64_t n, uint64_t seed) {
  return synthetic_labelled_images(n, seed).images;
}

inline void write_idx(const std::string& path, const torch::Tensor& data, uint32_t magic) {
  std::ofstream out(path, std::ios::binary);
  auto put32 = [&](uint32_t v) {
    const char bytes[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.write(bytes, 4);
  };
  put32(magic);
  for (int64_t size : data.sizes()) put32(static_cast<uint32_t>(size));
  auto bytes = data.contiguous();
  out.write(static_cast<const char*>(bytes.data_ptr()), bytes.numel());
}

/// A directory `name`.<pid> under the temp directory holding 300 training and 100 test
/// synthetic images with their labels as MNIST IDX files; the caller removes it.
inline std::string make_synthetic_mnist_dir(const std::string& name) {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / (name + "." + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (auto [prefix, n] : {std::pair{"train", 300}, {"t10k", 100}}) {
    const auto data = synthetic_labelled_images(n, n);
    write_idx((dir / (std::string(prefix) + "-images-idx3-ubyte")).string(),
              (data.images * 255).round().to(torch::kUInt8), 0x803);
    write_idx((dir / (std::string(prefix) + "-labels-idx1-ubyte")).string(),
              data.labels.to(torch::kUInt8), 0x801);
  }
  return dir.string();
}

}  // namespace ppl::testing
