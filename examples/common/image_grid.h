#pragma once
// Tiling a batch of images into one grid image, like torchvision.utils.make_grid.

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace ppl::examples {

/// Height and width of one image, for batches stored flat as (N, height * width).
struct ImageSize {
  int64_t height = 0;
  int64_t width = 0;
};

/// Tiles `images` into a grid with `nrow` images per row (the last row may be short), `padding`
/// pixels between and around them filled with `pad_value`. Accepts (N, H, W) and (N, 1, H, W),
/// returning (H', W'), or (N, 3, H, W), returning (3, H', W'); H' = rows * (H + padding) + padding,
/// W' = min(nrow, N) * (W + padding) + padding. Values are copied as they are (no normalisation);
/// the grid is a float tensor on the device of `images`.
torch::Tensor make_grid(const torch::Tensor& images, int64_t nrow, int64_t padding = 2,
                        double pad_value = 1.0);

/// make_grid for gray images stored flat as (N, size.height * size.width), e.g. MNIST's (N, 784).
torch::Tensor make_grid(const torch::Tensor& flat_images, ImageSize size, int64_t nrow,
                        int64_t padding = 2, double pad_value = 1.0);

/// Writes make_grid(images, nrow, padding) as a PNG at `path`; values are taken to lie in [0, 1].
/// Flat (N, D) batches are taken to be square gray images (D must be a perfect square).
void save_image_grid(const std::string& path, const torch::Tensor& images, int64_t nrow,
                     int64_t padding = 2);

}  // namespace ppl::examples
