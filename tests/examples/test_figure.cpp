// Figures through gnuplot: the data and script files, rendering, absent gnuplot, gnuplot errors
// and bad input.
// LibTorch first, as the build's precompiled header does: otherwise glog's CHECK (pulled in by
// LibTorch) replaces doctest's when this file is compiled on its own.
#include <torch/torch.h>

#include <doctest/doctest.h>
#include "tests/support.h"

#include <sys/stat.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "examples/common/figure.h"
#include "examples/common/png.h"

namespace test_figure {

namespace fs = std::filesystem;
using namespace ppl::examples;

using ppl::testing::contains;
using ppl::testing::invalid_argument_of;
using ppl::testing::TempDir;
using ppl::testing::what_of;

namespace {

/// Sets (or, with nullopt, unsets) an environment variable for a scope.
struct EnvironmentScope {
  std::string name;
  std::optional<std::string> previous;
  EnvironmentScope(std::string variable, const std::optional<std::string>& value)
      : name(std::move(variable)) {
    if (const char* old = std::getenv(name.c_str())) previous = old;
    if (value) {
      ::setenv(name.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
  ~EnvironmentScope() {
    if (previous) {
      ::setenv(name.c_str(), previous->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
  EnvironmentScope(const EnvironmentScope&) = delete;
  EnvironmentScope& operator=(const EnvironmentScope&) = delete;
};

/// True when `gnuplot` runs (the rendering checks are skipped otherwise).
bool gnuplot_installed() {
  static const bool installed = std::system("gnuplot --version >/dev/null 2>&1") == 0;
  return installed;
}

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

/// The rows of a data file that are neither comments nor blank, split into words.
std::vector<std::vector<std::string>> data_rows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(read_text(path));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string word; words >> word;) row.push_back(word);
    rows.push_back(row);
  }
  return rows;
}

size_t entry_count(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

/// How many pixels of an RGB image have exactly the colour #rrggbb.
size_t pixels_of(const Image& image, uint32_t rgb) {
  size_t count = 0;
  for (int64_t y = 0; y < image.height; ++y) {
    for (int64_t x = 0; x < image.width; ++x) {
      const uint8_t* p = image.at(x, y);
      count += p[0] == (rgb >> 16) && p[1] == ((rgb >> 8) & 0xff) && p[2] == (rgb & 0xff);
    }
  }
  return count;
}

/// Writes an executable shell script standing in for gnuplot.
std::string fake_gnuplot(const TempDir& dir, const std::string& body) {
  const std::string path = dir / "fake_gnuplot";
  std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
  ::chmod(path.c_str(), 0755);
  return path;
}

LineFigure elbo_figure() {
  LineFigure figure;
  figure.series = {{"train", {1, 2, 3, 4, 5}, {-160.5, -130.25, NAN, -110.125, -105.0625}},
                   {"test", {1, 5}, {-150.75, -104.5}}};
  figure.title = "ELBO's \"figure\"";
  figure.x_label = "epoch";
  figure.y_label = "ELBO";
  return figure;
}

}  // namespace

TEST_CASE("save_line_figure writes the data, one block per series, and a script naming it") {
  TempDir dir;
  EnvironmentScope no_gnuplot("PPL_GNUPLOT", dir / "absent_program");
  LineFigure figure = elbo_figure();
  figure.series.push_back({"tiny and huge", {0.1, 1e-300, -0.0}, {1.0 / 3, 1e300, INFINITY}});
  figure.series.push_back({"empty", {}, {}});
  const FigureFiles files = save_line_figure(dir.path.string(), "elbo", figure);
  CHECK(files.data == dir / "elbo.dat");
  CHECK(files.script == dir / "elbo.gp");
  CHECK(files.png == dir / "elbo.png");

  const auto rows = data_rows(files.data);
  REQUIRE(rows.size() == 5 + 2 + 3 + 1);
  std::vector<double> numbers;
  for (const auto& row : rows) {
    REQUIRE(row.size() == 2);
    for (const auto& word : row) numbers.push_back(std::strtod(word.c_str(), nullptr));
  }
  CHECK(numbers[0] == 1);
  CHECK(numbers[1] == -160.5);
  CHECK(rows[2][1] == "NaN");  // missing points: gnuplot's undefined value
  CHECK(numbers[13] == -104.5);
  CHECK(numbers[14] == 0.1);  // exact round trip
  CHECK(numbers[15] == 1.0 / 3);
  CHECK(numbers[16] == 1e-300);
  CHECK(numbers[17] == 1e300);
  CHECK(rows[9] == std::vector<std::string>{"-0", "NaN"});    // infinity is not drawn either
  CHECK(rows[10] == std::vector<std::string>{"NaN", "NaN"});  // the empty series keeps its index

  // Blocks are separated by two blank lines, as gnuplot's `index` needs.
  const std::string data = read_text(files.data);
  CHECK(contains(data, "-105.0625\n\n\n# index 1: test\n1 -150.75\n"));

  const std::string script = read_text(files.script);
  CHECK(contains(script, "png_file = 'elbo.png'"));
  CHECK(contains(script, "set output png_file"));
  CHECK(contains(script,
                 "plot 'elbo.dat' index 0 using 1:2 with linespoints linetype 1 "
                 "title 'train'"));
  CHECK(contains(script, "'' index 1 using 1:2 with linespoints linetype 2 title 'test'"));
  CHECK(contains(script, "set title 'ELBO''s \"figure\"'"));  // quoted for gnuplot
  CHECK(contains(script, "set xlabel 'epoch'"));
  CHECK(contains(script, "size 800,600"));
  CHECK(!contains(script, dir.path.string()));  // only relative names
}

TEST_CASE("save_scatter_figure writes x y label rows and one legend entry per class present") {
  TempDir dir;
  EnvironmentScope no_gnuplot("PPL_GNUPLOT", dir / "absent_program");
  ScatterFigure figure;
  figure.x = {0.5, -1.25, NAN, 3};
  figure.y = {2, 1e-7, 4, -0.75};
  figure.labels = {3, 0, 9, 3};
  const FigureFiles files = save_scatter_figure(dir.path.string(), "tsne", figure);
  const auto rows = data_rows(files.data);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == std::vector<std::string>{"0.5", "2", "3"});
  CHECK(std::strtod(rows[1][1].c_str(), nullptr) == 1e-7);
  CHECK(rows[2] == std::vector<std::string>{"NaN", "4", "9"});
  const std::string script = read_text(files.script);
  CHECK(contains(script, "plot 'tsne.dat' using 1:2:($3 + 1) with points"));
  CHECK(contains(script, "linecolor variable"));
  CHECK(contains(script, "title '0'"));
  CHECK(contains(script, "title '3'"));
  CHECK(contains(script, "title '9'"));
  CHECK(!contains(script, "title '1'"));
  CHECK(contains(script, "png_file = 'tsne.png'"));
  CHECK(contains(script, "size 900,800"));
}

TEST_CASE("without gnuplot the data and script are kept and a hint says how to render") {
  TempDir dir;
  const std::string out = dir / "out dir";
  SUBCASE("PPL_GNUPLOT names a program that does not exist") {
    EnvironmentScope absent("PPL_GNUPLOT", "/nonexistent");
    const FigureFiles files = save_line_figure(out, "elbo", elbo_figure());
    CHECK(!files.rendered);
    CHECK(fs::exists(files.data));
    CHECK(fs::exists(files.script));
    CHECK(!fs::exists(files.png));
    MESSAGE(files.hint);
    CHECK(contains(files.hint, "gnuplot not found (PPL_GNUPLOT=/nonexistent)"));
    CHECK(contains(files.hint, "`cd '" + out + "' && gnuplot elbo.gp`"));
    CHECK(contains(files.hint, "apt-get install gnuplot-nox"));
    CHECK(!contains(files.hint, "\n"));
    CHECK(entry_count(out) == 2);  // no temporary files
  }
  SUBCASE("gnuplot is not on PATH; an older PNG, which would not match the data, is removed") {
    fs::create_directories(out);
    std::ofstream(out + "/elbo.png") << "old";
    EnvironmentScope unset("PPL_GNUPLOT", std::nullopt);
    EnvironmentScope empty_path("PATH", dir / "empty");
    const FigureFiles files = save_line_figure(out, "elbo", elbo_figure());
    CHECK(!files.rendered);
    CHECK(contains(files.hint, "gnuplot not found: render with `cd"));
    CHECK(!fs::exists(files.png));
    CHECK(entry_count(out) == 2);
  }
}

TEST_CASE("rendering with gnuplot writes a PNG of the requested size") {
  if (!gnuplot_installed()) {
    MESSAGE("gnuplot is not installed: rendering not checked");
    return;
  }
  TempDir dir;
  EnvironmentScope real("PPL_GNUPLOT", std::nullopt);
  SUBCASE("a line figure, with a missing point and a one-point series") {
    LineFigure figure = elbo_figure();
    figure.series.push_back({"single", {3}, {-120}});
    figure.width = 640;
    figure.height = 480;
    const FigureFiles files = save_line_figure(dir.path.string(), "elbo", figure);
    CHECK(files.rendered);
    CHECK(files.hint.empty());
    const Image image = read_png(files.png);
    CHECK(image.width == 640);
    CHECK(image.height == 480);
    CHECK(pixels_of(image, 0x1f77b4) > 100);  // train, in the palette's first colour
    CHECK(pixels_of(image, 0xff7f0e) > 20);   // test
    CHECK(entry_count(dir.path) == 3);        // .dat, .gp, .png: no temporary left

    // Rendering again replaces the PNG; the script also renders from its own directory.
    figure.width = 500;
    save_line_figure(dir.path.string(), "elbo", figure);
    CHECK(read_png(files.png).width == 500);
    fs::remove(files.png);
    const std::string command = "cd '" + dir.path.string() + "' && gnuplot elbo.gp 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    CHECK(read_png(files.png).height == 480);
  }
  SUBCASE("a scatter of 10,000 points in ten classes, in a directory that does not exist yet") {
    ScatterFigure figure;
    for (int64_t i = 0; i < 10000; ++i) {
      const int64_t label = i % 10;
      const double angle = 2 * M_PI * double(label) / 10 + 0.3 * std::sin(double(i));
      const double radius = 5 + std::cos(double(i) * 1.7);
      figure.x.push_back(radius * std::cos(angle));
      figure.y.push_back(radius * std::sin(angle));
      figure.labels.push_back(label);
    }
    figure.title = "t-SNE of the latent means";
    const std::string out = dir / "nested/tsne";
    const FigureFiles files = save_scatter_figure(out, "tsne", figure);
    REQUIRE(files.rendered);
    const Image image = read_png(files.png);
    CHECK(image.width == 900);
    CHECK(image.height == 800);
    for (uint32_t colour : {0x1f77b4u, 0xd62728u, 0x17becfu}) {  // classes 0, 3 and 9
      CAPTURE(colour);
      CHECK(pixels_of(image, colour) > 50);
    }
  }
}

TEST_CASE("a gnuplot failure throws with the script's path and gnuplot's message") {
  TempDir dir;
  SUBCASE("a program that exits 1 with a message") {
    EnvironmentScope fake("PPL_GNUPLOT",
                          fake_gnuplot(dir, "echo 'line 7: undefined variable: foo' >&2; exit 1"));
    const std::string message =
        what_of([&] { save_line_figure(dir.path.string(), "elbo", elbo_figure()); });
    CHECK(contains(message, "gnuplot failed on '" + (dir / "elbo.gp") + "'"));
    CHECK(contains(message, "exit status 1"));
    CHECK(contains(message, "line 7: undefined variable: foo"));
    CHECK(fs::exists(dir / "elbo.gp"));  // kept, to be fixed and re-run
    CHECK(!fs::exists(dir / "elbo.png"));
  }
  SUBCASE("a program that succeeds without writing the PNG") {
    EnvironmentScope fake("PPL_GNUPLOT", fake_gnuplot(dir, "exit 0"));
    CHECK(contains(what_of([&] { save_line_figure(dir.path.string(), "elbo", elbo_figure()); }),
                   "it wrote no PNG"));
  }
  SUBCASE("the working directory is the figure's and the script is named relatively") {
    EnvironmentScope fake("PPL_GNUPLOT", fake_gnuplot(dir, "echo \"$(pwd) $*\" >&2; exit 3"));
    const std::string out = dir / "figures";
    const std::string message = what_of([&] { save_line_figure(out, "elbo", elbo_figure()); });
    CHECK(contains(message, fs::canonical(out).string() + " -e png_file='elbo.png.tmp."));
    CHECK(contains(message, " elbo.gp"));
  }
  SUBCASE("real gnuplot on a script broken by hand") {
    if (!gnuplot_installed()) {
      MESSAGE("gnuplot is not installed: its error message not checked");
      return;
    }
    EnvironmentScope real("PPL_GNUPLOT", std::nullopt);
    const FigureFiles files = save_line_figure(dir.path.string(), "elbo", elbo_figure());
    REQUIRE(files.rendered);
    std::ofstream(files.script, std::ios::app) << "plot no_such_function(x)\n";
    const std::string message = what_of([&] { render_figure(dir.path.string(), "elbo"); });
    MESSAGE(message);
    CHECK(contains(message, "gnuplot failed on '" + files.script + "'"));
    CHECK(contains(message, "undefined function"));
    CHECK(read_png(files.png).width == 800);  // the previous PNG is untouched
    CHECK(entry_count(dir.path) == 3);
  }
  CHECK(contains(what_of([&] { render_figure(dir.path.string(), "absent"); }), "absent.gp"));
}

TEST_CASE("bad figures throw std::invalid_argument naming what was expected and found") {
  TempDir dir;
  const std::string out = dir.path.string();
  LineFigure line;
  CHECK(contains(invalid_argument_of([&] { save_line_figure(out, "f", line); }),
                 "expected at least one series, got none"));
  line.series = {{"train", {1, 2, 3}, {1, 2}}};
  CHECK(contains(invalid_argument_of([&] { save_line_figure(out, "f", line); }),
                 "series 'train' has 3 x values: expected as many y values, got 2"));
  line.series = {{"nan", {1, 2}, {NAN, NAN}}, {"empty", {}, {}}};
  CHECK(contains(invalid_argument_of([&] { save_line_figure(out, "f", line); }),
                 "expected at least one point with finite x and y, got none"));
  line.series = {{"ok", {1}, {1}}};
  line.width = 50;
  CHECK(contains(invalid_argument_of([&] { save_line_figure(out, "f", line); }),
                 "expected a size of at least 100x100 pixels, got 50x600"));
  line.width = 800;
  for (const char* name : {"", "a/b", "..", "it's", "a b"}) {
    CAPTURE(name);
    CHECK(contains(invalid_argument_of([&] { save_line_figure(out, name, line); }),
                   "expected a figure name of letters, digits"));
  }

  ScatterFigure scatter;
  scatter.x = {1, 2, 3};
  scatter.y = {1, 2};
  scatter.labels = {0, 1, 2};
  CHECK(contains(invalid_argument_of([&] { save_scatter_figure(out, "s", scatter); }),
                 "3 x values: expected as many y values, got 2"));
  scatter.y = {1, 2, 3};
  scatter.labels = {0, 1};
  CHECK(contains(invalid_argument_of([&] { save_scatter_figure(out, "s", scatter); }),
                 "3 points: expected one label per point, got 2 labels"));
  scatter.labels = {0, 10, 2};
  CHECK(contains(invalid_argument_of([&] { save_scatter_figure(out, "s", scatter); }),
                 "expected labels in 0..9, got 10 at point 1"));
  scatter.labels = {0, 1, -1};
  CHECK(contains(invalid_argument_of([&] { save_scatter_figure(out, "s", scatter); }),
                 "expected labels in 0..9, got -1 at point 2"));
  scatter.labels = {0, 1, 2};
  scatter.point_size = 0;
  CHECK(contains(invalid_argument_of([&] { save_scatter_figure(out, "s", scatter); }),
                 "expected a positive point size, got 0"));
  scatter.point_size = 0.4;
  scatter.x = {NAN, NAN, NAN};
  CHECK(contains(invalid_argument_of([&] { save_scatter_figure(out, "s", scatter); }),
                 "expected at least one point with finite x and y, got none"));
  scatter.x = scatter.y = {};
  scatter.labels = {};
  CHECK(!invalid_argument_of([&] { save_scatter_figure(out, "s", scatter); }).empty());
  CHECK(entry_count(dir.path) == 0);  // nothing written for bad input
}

}  // namespace test_figure
