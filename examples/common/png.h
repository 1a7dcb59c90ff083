#pragma once
// 8-bit PNG images: an in-memory pixel buffer, atomic PNG writing and reading (libpng), and
// conversion from float tensors in [0, 1].

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ppl::examples {

/// An 8-bit RGB colour.
struct Color {
  uint8_t r = 0, g = 0, b = 0;
};

/// An 8-bit image, row-major with interleaved channels (1 = gray, 3 = RGB).
struct Image {
  int64_t width = 0;
  int64_t height = 0;
  int64_t channels = 1;
  std::vector<uint8_t> pixels;  ///< height * width * channels values

  Image() = default;
  /// A width x height image with `channels` channels, every value set to `fill`.
  Image(int64_t width, int64_t height, int64_t channels, uint8_t fill = 0);

  /// Pointer to the first channel of pixel (x, y); no bounds check.
  uint8_t* at(int64_t x, int64_t y) { return pixels.data() + (y * width + x) * channels; }
  const uint8_t* at(int64_t x, int64_t y) const {
    return pixels.data() + (y * width + x) * channels;
  }
  /// Sets pixel (x, y) to `color` (gray images get its luma); pixels outside are ignored.
  void set(int64_t x, int64_t y, Color color);
  /// True when (x, y) lies inside the image.
  bool contains(int64_t x, int64_t y) const { return x >= 0 && y >= 0 && x < width && y < height; }
};

/// Writes `image` as a PNG at `path` atomically: to a temporary file in the same directory,
/// flushed and fsync'd, then renamed over `path`. Throws std::runtime_error naming `path` on any
/// failure (the temporary file is removed); std::invalid_argument for a malformed image.
void write_png(const std::string& path, const Image& image);

/// Reads an 8-bit gray or RGB image from the PNG at `path` (alpha is composited onto white,
/// 16-bit samples are reduced). Throws std::runtime_error naming `path` on failure.
Image read_png(const std::string& path);

/// Converts a float tensor with values in [0, 1] of shape (H, W) or (C, H, W), C = 1 or 3, into an
/// image: clamps to [0, 1], scales by 255 and rounds; the tensor may live on any device.
Image to_image(const torch::Tensor& tensor);

}  // namespace ppl::examples
