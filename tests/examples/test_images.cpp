// PNG writing/reading and image grids used by the examples (figures: test_figure.cpp).
#include <doctest/doctest.h>
#include <torch/torch.h>
#include "tests/support.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "examples/common/image_grid.h"
#include "examples/common/png.h"

namespace test_images {

namespace fs = std::filesystem;
using namespace ppl::examples;

using ppl::testing::TempDir;

namespace {

Image pattern_image(int64_t width, int64_t height, int64_t channels) {
  Image image(width, height, channels);
  for (size_t i = 0; i < image.pixels.size(); ++i) image.pixels[i] = uint8_t((i * 37 + 11) % 256);
  return image;
}

size_t entry_count(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("write_png and read_png round-trip gray and RGB images exactly") {
  TempDir dir;
  for (int64_t channels : {1, 3}) {
    CAPTURE(channels);
    const Image image = pattern_image(37, 23, channels);
    const std::string path = dir / ("image" + std::to_string(channels) + ".png");
    write_png(path, image);

    std::ifstream file(path, std::ios::binary);
    char signature[8] = {};
    file.read(signature, 8);
    CHECK(std::string(signature + 1, 3) == "PNG");

    const Image back = read_png(path);
    CHECK(back.width == 37);
    CHECK(back.height == 23);
    CHECK(back.channels == channels);
    CHECK(back.pixels == image.pixels);
  }
  CHECK(entry_count(dir.path) == 2);  // no temporary files left behind
}

TEST_CASE("write_png replaces an existing file") {
  TempDir dir;
  const std::string path = dir / "image.png";
  write_png(path, Image(4, 4, 1, 10));
  write_png(path, Image(5, 3, 3, 200));
  const Image back = read_png(path);
  CHECK(back.width == 5);
  CHECK(back.channels == 3);
  CHECK(back.pixels == std::vector<uint8_t>(45, 200));
  CHECK(entry_count(dir.path) == 1);
}

TEST_CASE("write_png failures throw std::runtime_error naming the path and leave no temp file") {
  TempDir dir;
  const std::string missing_dir = dir / "no_such_dir/image.png";
  CHECK_THROWS_WITH_AS(write_png(missing_dir, Image(2, 2, 1)),
                       doctest::Contains(missing_dir.c_str()), std::runtime_error);

  // The temporary file is created, then the rename onto a directory fails: it must be removed.
  const std::string directory = dir / "a_directory";
  fs::create_directory(directory);
  CHECK_THROWS_WITH_AS(write_png(directory, Image(2, 2, 3)), doctest::Contains(directory.c_str()),
                       std::runtime_error);
  CHECK(entry_count(dir.path) == 1);
  CHECK(entry_count(directory) == 0);

  CHECK_THROWS_AS(write_png(dir / "bad.png", Image()), std::invalid_argument);
  CHECK_THROWS_WITH_AS(read_png(dir / "absent.png"), doctest::Contains("absent.png"),
                       std::runtime_error);
}

TEST_CASE("to_image clamps, scales and rounds gray and RGB tensors") {
  const auto gray = torch::tensor({0.0, 0.5, 1.0, -1.0, 2.0, 0.2}, torch::kFloat64).reshape({2, 3});
  const Image image = to_image(gray);
  CHECK(image.width == 3);
  CHECK(image.height == 2);
  CHECK(image.channels == 1);
  CHECK(image.pixels == std::vector<uint8_t>{0, 128, 255, 0, 255, 51});

  auto rgb = torch::zeros({3, 1, 2});
  rgb[0][0][1] = 1.0;  // red at (1, 0)
  rgb[2][0][0] = 1.0;  // blue at (0, 0)
  const Image color = to_image(rgb);
  CHECK(color.channels == 3);
  CHECK(color.pixels == std::vector<uint8_t>{0, 0, 255, 255, 0, 0});

  CHECK_THROWS_AS(to_image(torch::zeros({2, 2, 2})), std::invalid_argument);
  CHECK_THROWS_AS(to_image(torch::zeros({2, 2}, torch::kUInt8)), std::invalid_argument);
}

TEST_CASE("make_grid places image k at row k / nrow, column k % nrow with padding between") {
  const int64_t n = 64, side = 28, padding = 2;
  auto images =
      torch::arange(1, n + 1, torch::kFloat).div(100).reshape({n, 1, 1}).expand({n, side, side});
  const auto grid = make_grid(images, 8, padding);
  REQUIRE(grid.sizes() == torch::IntArrayRef({242, 242}));  // 8 * 28 + 9 * 2
  for (int64_t k = 0; k < n; ++k) {
    const int64_t top = (k / 8) * (side + padding) + padding;
    const int64_t left = (k % 8) * (side + padding) + padding;
    CAPTURE(k);
    CHECK(torch::equal(grid.narrow(0, top, side).narrow(1, left, side), images[k]));
    CHECK(grid[top - 1][left].item<float>() == 1.0f);  // padding above
    CHECK(grid[top][left - 1].item<float>() == 1.0f);  // padding to the left
  }
  CHECK(grid[241][241].item<float>() == 1.0f);

  SUBCASE("flat, channel and RGB layouts") {
    CHECK(
        torch::equal(make_grid(images.reshape({n, side * side}), ImageSize{side, side}, 8), grid));
    CHECK(torch::equal(make_grid(images.unsqueeze(1), 8), grid));
    const auto rgb = make_grid(torch::rand({5, 3, 4, 6}), 2, 1, 0.0);
    CHECK(rgb.sizes() == torch::IntArrayRef({3, 3 * 5 + 1, 2 * 7 + 1}));
    CHECK(rgb[1][15][14].item<float>() == 0.0f);  // the empty sixth cell holds the pad value
  }
  SUBCASE("fewer images than nrow and bad arguments") {
    CHECK(make_grid(torch::zeros({3, 5, 5}), 8).sizes() == torch::IntArrayRef({9, 23}));
    CHECK_THROWS_AS(make_grid(torch::zeros({3, 5}), 8), std::invalid_argument);
    CHECK_THROWS_AS(make_grid(torch::zeros({3, 2, 5, 5}), 8), std::invalid_argument);
    CHECK_THROWS_AS(make_grid(torch::zeros({3, 24}), ImageSize{5, 5}, 8), std::invalid_argument);
  }
}

TEST_CASE("save_image_grid writes a gray PNG of the grid") {
  TempDir dir;
  const std::string path = dir / "grid.png";
  save_image_grid(path, torch::rand({10, 784}), 5);
  const Image image = read_png(path);
  CHECK(image.width == 5 * 30 + 2);
  CHECK(image.height == 2 * 30 + 2);
  CHECK(image.channels == 1);
  CHECK_THROWS_AS(save_image_grid(path, torch::rand({10, 783}), 5), std::invalid_argument);
}

}  // namespace test_images
