// PNG writing/reading, image grids, the bitmap font and line plots used by the examples.
#include <doctest/doctest.h>
#include <torch/torch.h>
#include "tests/support.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "examples/common/bitmap_font.h"
#include "examples/common/image_grid.h"
#include "examples/common/plot.h"
#include "examples/common/png.h"

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

/// Pixel rows and columns of an RGB image that have exactly `color`.
std::vector<std::pair<int64_t, int64_t>> pixels_of(const Image& image, Color color) {
  std::vector<std::pair<int64_t, int64_t>> found;
  for (int64_t y = 0; y < image.height; ++y) {
    for (int64_t x = 0; x < image.width; ++x) {
      const uint8_t* p = image.at(x, y);
      if (p[0] == color.r && p[1] == color.g && p[2] == color.b) found.emplace_back(x, y);
    }
  }
  return found;
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

TEST_CASE("draw_text draws glyph rows left to right and rotated upward") {
  CHECK(font::text_width("ab", 2) == 22);
  CHECK(font::text_width("", 2) == 0);
  Image image(5, 9, 1, 0);
  font::draw_text(image, 0, 0, "T", {255, 255, 255});
  CHECK(std::vector<uint8_t>(image.pixels.begin(), image.pixels.begin() + 5) ==
        std::vector<uint8_t>(5, 255));  // the bar of the T
  CHECK(*image.at(2, 6) == 255);
  CHECK(*image.at(0, 6) == 0);

  Image up(9, 5, 1, 0);
  font::draw_text(up, 0, 0, "T", {255, 255, 255}, 1, font::Direction::kUp);
  for (int64_t y = 0; y < 5; ++y) CHECK(*up.at(0, y) == 255);  // the bar now runs down the left
  CHECK(*up.at(6, 2) == 255);
  CHECK(*up.at(6, 0) == 0);
}

TEST_CASE("nice_ticks chooses 1-2-5 steps and their multiples inside the interval") {
  const Ticks elbo = nice_ticks(-163, -97, 8);
  CHECK(elbo.step == doctest::Approx(10));
  CHECK(elbo.values == std::vector<double>{-160, -150, -140, -130, -120, -110, -100});
  const Ticks epochs = nice_ticks(-1.45, 30.45, 7);
  CHECK(epochs.step == doctest::Approx(5));
  CHECK(epochs.values.front() == 0);
  CHECK(epochs.values.back() == 30);
  const Ticks unit = nice_ticks(0, 1, 5);
  CHECK(unit.step == doctest::Approx(0.2));
  CHECK(unit.values.size() == 6);

  torch::manual_seed(0);
  for (int trial = 0; trial < 200; ++trial) {
    const double lo = (torch::rand({}).item<double>() - 0.5) * std::pow(10.0, trial % 12 - 6);
    const double hi = lo + torch::rand({}).item<double>() * std::pow(10.0, trial % 9 - 4) + 1e-12;
    const int64_t max_ticks = 2 + trial % 9;
    const Ticks ticks = nice_ticks(lo, hi, max_ticks);
    CAPTURE(lo);
    CAPTURE(hi);
    const double mantissa = ticks.step / std::pow(10.0, std::floor(std::log10(ticks.step) + 1e-9));
    CHECK((mantissa == doctest::Approx(1) || mantissa == doctest::Approx(2) ||
           mantissa == doctest::Approx(5)));
    CHECK(ticks.values.size() <= static_cast<size_t>(max_ticks + 1));
    CHECK((hi - lo) / ticks.step <= max_ticks + 1e-9);
    for (double v : ticks.values) {
      CHECK(v >= lo - 1e-9 * ticks.step);
      CHECK(v <= hi + 1e-9 * ticks.step);
      CHECK(std::abs(v / ticks.step - std::round(v / ticks.step)) < 1e-6);
    }
  }
  CHECK_THROWS_AS(nice_ticks(1, 1, 5), std::invalid_argument);
  CHECK_THROWS_AS(nice_ticks(0, NAN, 5), std::invalid_argument);
}

TEST_CASE("format_tick uses the decimals the step needs") {
  CHECK(format_tick(-150, 10) == "-150");
  CHECK(format_tick(0.6000000000000001, 0.2) == "0.6");
  CHECK(format_tick(-1e-17, 0.1) == "0.0");
  CHECK(format_tick(0.25, 0.05) == "0.25");
  CHECK(format_tick(2e8, 1e8) == "2e+08");
}

TEST_CASE("line_plot draws each series where its data are") {
  const Color up_color = series_color(0), down_color = series_color(1);
  const std::vector<Series> series = {{"up", {0, 1, 2, 3}, {-160, -140, -120, -100}, up_color},
                                      {"down", {0, 3}, {-100, -160}, down_color}};
  PlotOptions options;
  options.width = 500;
  options.height = 300;
  options.title = "ELBO";
  options.x_label = "epoch";
  options.y_label = "ELBO";
  options.legend = false;
  const Image image = line_plot(series, options);
  CHECK(image.width == 500);
  CHECK(image.height == 300);
  CHECK(image.channels == 3);

  for (const auto& [color, rising] : {std::pair{up_color, true}, std::pair{down_color, false}}) {
    CAPTURE(rising);
    const auto pixels = pixels_of(image, color);
    REQUIRE(pixels.size() > 100);
    const auto [leftmost, rightmost] = std::minmax_element(pixels.begin(), pixels.end());
    // Rows grow downwards: a rising series ends higher (smaller row) than it starts.
    if (rising) {
      CHECK(rightmost->second < leftmost->second - 100);
    } else {
      CHECK(rightmost->second > leftmost->second + 100);
    }
    CHECK(rightmost->first - leftmost->first > 300);  // the x range spans the plot area
  }

  SUBCASE("the legend shows each series' colour and label") {
    options.legend = true;
    const Image with_legend = line_plot(series, options);
    CHECK(pixels_of(with_legend, up_color).size() != pixels_of(image, up_color).size());
  }
}

TEST_CASE("line_plot edge cases") {
  PlotOptions options;
  SUBCASE("a single point still shows its marker") {
    const Image image = line_plot({{"one", {3}, {0.25}, series_color(2)}}, options);
    CHECK(pixels_of(image, series_color(2)).size() >= 30);
  }
  SUBCASE("constant y is padded and drawn in the middle; NaN points are skipped") {
    options.legend = false;
    const Image image =
        line_plot({{"flat", {0, 1, 2, 3, 4}, {7, 7, NAN, 7, 7}, series_color(3)}}, options);
    const auto pixels = pixels_of(image, series_color(3));
    REQUIRE(!pixels.empty());
    for (const auto& [x, y] : pixels) {
      CHECK(y > options.height / 4);
      CHECK(y < 3 * options.height / 4);
    }
  }
  SUBCASE("invalid input") {
    CHECK_THROWS_AS(line_plot({}, options), std::invalid_argument);
    CHECK_THROWS_AS(line_plot({{"bad", {0, 1}, {0}, series_color(0)}}, options),
                    std::invalid_argument);
    CHECK_THROWS_AS(line_plot({{"nan", {0, 1}, {NAN, NAN}, series_color(0)}}, options),
                    std::invalid_argument);
    options.width = 100;
    CHECK_THROWS_AS(line_plot({{"ok", {0, 1}, {0, 1}, series_color(0)}}, options),
                    std::invalid_argument);
  }
  SUBCASE("save_line_plot writes an RGB PNG of the requested size") {
    TempDir dir;
    save_line_plot(dir / "plot.png", {{"s", {0, 1}, {0, 1}, series_color(0)}}, options);
    const Image image = read_png(dir / "plot.png");
    CHECK(image.width == 640);
    CHECK(image.height == 480);
    CHECK(image.channels == 3);
  }
}
