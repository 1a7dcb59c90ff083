#include "examples/common/image_grid.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <stdexcept>

#include "examples/common/png.h"

namespace ppl::examples {
namespace {

std::string shape_text(const torch::Tensor& t) {
  return fmt::format("{}", fmt::join(t.sizes(), "x"));
}

}  // namespace

torch::Tensor make_grid(const torch::Tensor& images, int64_t nrow, int64_t padding,
                        double pad_value) {
  const bool gray = images.dim() == 3 || (images.dim() == 4 && images.size(1) == 1);
  const bool rgb = images.dim() == 4 && images.size(1) == 3;
  if (!(gray || rgb) || images.size(0) == 0 || nrow <= 0 || padding < 0) {
    throw std::invalid_argument(fmt::format(
        "make_grid: expected a non-empty batch of shape (N, H, W) or (N, C, H, W) with C = 1 or 3, "
        "nrow > 0 and padding >= 0, got shape {}, nrow {}, padding {}",
        shape_text(images), nrow, padding));
  }
  auto batch = images.dim() == 3 ? images.unsqueeze(1) : images;
  const int64_t count = batch.size(0), channels = batch.size(1);
  const int64_t height = batch.size(2), width = batch.size(3);
  const int64_t columns = std::min(nrow, count);
  const int64_t rows = (count + columns - 1) / columns;
  const int64_t cell_height = height + padding, cell_width = width + padding;

  auto grid = torch::full({channels, rows * cell_height + padding, columns * cell_width + padding},
                          pad_value, batch.options().dtype(torch::kFloat));
  auto values = batch.detach().to(torch::kFloat);
  for (int64_t k = 0; k < count; ++k) {
    const int64_t top = (k / columns) * cell_height + padding;
    const int64_t left = (k % columns) * cell_width + padding;
    grid.narrow(1, top, height).narrow(2, left, width).copy_(values[k]);
  }
  return gray ? grid.squeeze(0) : grid;
}

torch::Tensor make_grid(const torch::Tensor& flat_images, ImageSize size, int64_t nrow,
                        int64_t padding, double pad_value) {
  if (flat_images.dim() != 2 || size.height <= 0 || size.width <= 0 ||
      flat_images.size(1) != size.height * size.width) {
    throw std::invalid_argument(
        fmt::format("make_grid: expected flat images of shape (N, {} * {}), got shape {}",
                    size.height, size.width, shape_text(flat_images)));
  }
  return make_grid(flat_images.reshape({-1, size.height, size.width}), nrow, padding, pad_value);
}

void save_image_grid(const std::string& path, const torch::Tensor& images, int64_t nrow,
                     int64_t padding) {
  torch::Tensor grid;
  if (images.dim() == 2) {
    const auto side = static_cast<int64_t>(std::lround(std::sqrt(double(images.size(1)))));
    if (side * side != images.size(1)) {
      throw std::invalid_argument(fmt::format(
          "save_image_grid '{}': flat images of shape {} are not square; use make_grid with an "
          "ImageSize",
          path, shape_text(images)));
    }
    grid = make_grid(images, ImageSize{side, side}, nrow, padding);
  } else {
    grid = make_grid(images, nrow, padding);
  }
  write_png(path, to_image(grid));
}

}  // namespace ppl::examples
