#include "examples/common/png.h"

#include <fcntl.h>
#include <png.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace ppl::examples {
namespace {

std::runtime_error write_error(const std::string& path, const std::string& what) {
  return std::runtime_error(fmt::format("cannot write PNG '{}': {}", path, what));
}

std::string errno_text() {
  return std::strerror(errno);
}

/// Removes the temporary file on scope exit unless it was renamed into place.
struct TempFileGuard {
  std::string path;
  bool renamed = false;
  ~TempFileGuard() {
    if (!renamed) ::unlink(path.c_str());
  }
};

/// Best-effort fsync of the directory holding `path`, so that the rename itself is durable.
void sync_parent_directory(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  int fd = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Image::Image(int64_t width, int64_t height, int64_t channels, uint8_t fill)
    : width(width), height(height), channels(channels) {
  if (width < 0 || height < 0 || (channels != 1 && channels != 3)) {
    throw std::invalid_argument(fmt::format(
        "Image: expected non-negative size and 1 or 3 channels, got {}x{} with {} channels", width,
        height, channels));
  }
  pixels.assign(static_cast<size_t>(width * height * channels), fill);
}

void Image::set(int64_t x, int64_t y, Color color) {
  if (!contains(x, y)) return;
  uint8_t* pixel = at(x, y);
  if (channels == 3) {
    pixel[0] = color.r;
    pixel[1] = color.g;
    pixel[2] = color.b;
  } else {
    pixel[0] = static_cast<uint8_t>((299 * color.r + 587 * color.g + 114 * color.b + 500) / 1000);
  }
}

void write_png(const std::string& path, const Image& image) {
  if ((image.channels != 1 && image.channels != 3) || image.width <= 0 || image.height <= 0 ||
      image.width > PNG_UINT_31_MAX || image.height > PNG_UINT_31_MAX ||
      image.pixels.size() != static_cast<size_t>(image.width * image.height * image.channels)) {
    throw std::invalid_argument(fmt::format(
        "write_png '{}': expected a non-empty 1- or 3-channel image with width * height * "
        "channels pixel values, got {}x{}x{} with {} values",
        path, image.width, image.height, image.channels, image.pixels.size()));
  }

  std::string temp_name = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temp_name.data());
  if (fd < 0) throw write_error(path, "cannot create a temporary file: " + errno_text());
  TempFileGuard guard{temp_name};
  ::fchmod(fd, 0644);  // mkstemp creates 0600; images are meant to be shared
  FILE* file = ::fdopen(fd, "wb");
  if (file == nullptr) {
    std::string reason = errno_text();
    ::close(fd);
    throw write_error(path, "cannot open the temporary file: " + reason);
  }

  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  const auto row_stride = static_cast<png_int_32>(image.width * image.channels);
  bool encoded = png_image_write_to_stdio(&png, file, /*convert_to_8_bit=*/0, image.pixels.data(),
                                          row_stride, /*colormap=*/nullptr) != 0;
  std::string png_message = png.message;
  png_image_free(&png);
  if (!encoded) {
    std::fclose(file);
    throw write_error(path, "libpng: " + png_message);
  }
  if (std::fflush(file) != 0 || ::fsync(::fileno(file)) != 0) {
    std::string reason = errno_text();
    std::fclose(file);
    throw write_error(path, "cannot flush the temporary file: " + reason);
  }
  if (std::fclose(file) != 0)
    throw write_error(path, "cannot close the temporary file: " + errno_text());
  if (std::rename(temp_name.c_str(), path.c_str()) != 0) {
    throw write_error(path, "cannot rename the temporary file into place: " + errno_text());
  }
  guard.renamed = true;
  sync_parent_directory(path);
}

Image read_png(const std::string& path) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_file(&png, path.c_str()) == 0) {
    std::string message = png.message;
    png_image_free(&png);
    throw std::runtime_error(fmt::format("cannot read PNG '{}': {}", path, message));
  }
  const int64_t channels = (png.format & PNG_FORMAT_FLAG_COLOR) != 0 ? 3 : 1;
  png.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
  Image image(png.width, png.height, channels);
  png_color white{255, 255, 255};  // background for images with alpha
  const auto row_stride = static_cast<png_int_32>(image.width * channels);
  if (png_image_finish_read(&png, &white, image.pixels.data(), row_stride, nullptr) == 0) {
    std::string message = png.message;
    png_image_free(&png);
    throw std::runtime_error(fmt::format("cannot read PNG '{}': {}", path, message));
  }
  return image;
}

Image to_image(const torch::Tensor& tensor) {
  const bool gray_or_rgb =
      tensor.dim() == 2 || (tensor.dim() == 3 && (tensor.size(0) == 1 || tensor.size(0) == 3));
  if (!tensor.is_floating_point() || !gray_or_rgb || tensor.numel() == 0) {
    throw std::invalid_argument(fmt::format(
        "to_image: expected a non-empty floating-point tensor of shape (H, W) or (C, H, W) with "
        "C = 1 or 3, got {} of shape {}",
        c10::toString(tensor.scalar_type()), fmt::join(tensor.sizes(), "x")));
  }
  auto chw = tensor.dim() == 2 ? tensor.unsqueeze(0) : tensor;
  auto hwc = torch::nan_to_num(chw.detach().to(torch::kFloat), 0.0)
                 .clamp(0.0, 1.0)
                 .mul(255.0)
                 .round()
                 .to(torch::kUInt8)
                 .permute({1, 2, 0})
                 .contiguous()
                 .cpu();
  Image image(hwc.size(1), hwc.size(0), hwc.size(2));
  std::memcpy(image.pixels.data(), hwc.data_ptr<uint8_t>(), image.pixels.size());
  return image;
}

}  // namespace ppl::examples
