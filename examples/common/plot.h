#pragma once
// A small raster line plot (title, axis labels, nice ticks, grid, markers, legend) for examples
// such as the VAE's ELBO curves, drawn without any plotting library.

#include <cstdint>
#include <string>
#include <vector>

#include "examples/common/png.h"

namespace ppl::examples {

/// The i-th colour of matplotlib's "tab10" palette (cycling): blue, orange, green, red, ...
Color series_color(size_t index);

/// One polyline: points (x[i], y[i]) joined in order, with a marker at each point. Non-finite
/// points are skipped and break the line.
struct Series {
  std::string label;  ///< legend text; series with empty labels are left out of the legend
  std::vector<double> x;
  std::vector<double> y;
  Color color = series_color(0);
};

/// Size and text of a plot.
struct PlotOptions {
  int64_t width = 640;
  int64_t height = 480;
  std::string title;
  std::string x_label;
  std::string y_label;
  bool markers = true;  ///< draw a marker at every point
  bool legend = true;   ///< draw a legend (in the corner with the least data) when labels exist
};

/// Tick positions for one axis: every multiple of `step` within the axis limits.
struct Ticks {
  double step = 0;
  std::vector<double> values;
};

/// "Nice" ticks for the interval [lo, hi] (lo < hi, both finite): the smallest step of the form
/// {1, 2, 5} x 10^k giving at most max_ticks + 1 ticks, and all its multiples inside [lo, hi].
/// E.g. nice_ticks(-163, -97, 8) has step 10 and values -160, -150, ..., -100.
Ticks nice_ticks(double lo, double hi, int64_t max_ticks);

/// Formats a tick value with as many decimals as `step` needs ("-150", "0.25", "1e+08").
std::string format_tick(double value, double step);

/// Draws the series as an RGB line plot of options.width x options.height on white. Axis limits
/// cover every finite point with a 5% margin (a zero range is padded). Throws
/// std::invalid_argument for no series, x and y of different lengths, no finite point at all,
/// or a size below 160 x 120.
Image line_plot(const std::vector<Series>& series, const PlotOptions& options = {});

/// Writes line_plot(series, options) as a PNG at `path`.
void save_line_plot(const std::string& path, const std::vector<Series>& series,
                    const PlotOptions& options = {});

}  // namespace ppl::examples
