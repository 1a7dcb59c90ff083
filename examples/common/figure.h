#pragma once
// Figures drawn by gnuplot: each is written as DIR/NAME.dat (the data) and DIR/NAME.gp (a script
// that a user may restyle and re-run with `gnuplot NAME.gp` from DIR), then rendered to
// DIR/NAME.png when gnuplot is available.

#include <cstdint>
#include <string>
#include <vector>

namespace ppl::examples {

/// One curve of a line figure: points (x[i], y[i]) joined in order, with a marker at each. A
/// point whose x or y is not finite is missing: it is not drawn and breaks the line.
struct LineSeries {
  std::string label;  ///< legend text
  std::vector<double> x;
  std::vector<double> y;
};

/// Where the legend sits inside the plot area.
enum class LegendPosition { kTopLeft, kTopRight, kBottomLeft, kBottomRight };

/// A line figure: several named series with lines, markers, a legend, title and axis labels.
struct LineFigure {
  std::vector<LineSeries> series;
  std::string title;
  std::string x_label;
  std::string y_label;
  LegendPosition legend = LegendPosition::kBottomRight;
  int64_t width = 800;  ///< PNG size in pixels
  int64_t height = 600;
};

/// A scatter of points (x[i], y[i]) coloured by an integer class label 0..9 (one colour and one
/// legend entry per class present), e.g. a t-SNE embedding of MNIST digits. Points whose x or y
/// is not finite are not drawn.
struct ScatterFigure {
  std::vector<double> x;
  std::vector<double> y;
  std::vector<int64_t> labels;  ///< one per point, in 0..9
  std::string title;
  std::string x_label;
  std::string y_label;
  double point_size = 0.4;  ///< gnuplot point size of the filled circles
  int64_t width = 900;      ///< PNG size in pixels
  int64_t height = 800;
};

/// What a save_*_figure or render_figure call left behind.
struct FigureFiles {
  std::string data;    ///< DIR/NAME.dat
  std::string script;  ///< DIR/NAME.gp
  std::string png;     ///< DIR/NAME.png; exists only when `rendered`
  bool rendered = false;
  std::string hint;  ///< when not rendered: one line saying how to render it by hand
};

/// Writes `figure` as DIR/NAME.dat and DIR/NAME.gp (atomically; DIR is created if missing) and
/// renders DIR/NAME.png with render_figure. NAME may hold only letters, digits, '.', '_' and '-'.
/// Throws std::invalid_argument for a bad name, no series, a series with x and y of different
/// lengths, no finite point at all, or a size under 100 x 100; std::runtime_error when a file
/// cannot be written or gnuplot fails.
FigureFiles save_line_figure(const std::string& dir, const std::string& name,
                             const LineFigure& figure);

/// Writes `figure` as DIR/NAME.dat (columns x y label) and DIR/NAME.gp and renders DIR/NAME.png,
/// as save_line_figure does. Throws std::invalid_argument for a bad name, x, y and labels of
/// different lengths, a label outside 0..9, no finite point or a size under 100 x 100.
FigureFiles save_scatter_figure(const std::string& dir, const std::string& name,
                                const ScatterFigure& figure);

/// Runs gnuplot on NAME.gp with DIR as the working directory, rendering to a temporary file that
/// is renamed to DIR/NAME.png once gnuplot succeeds (so no half-written PNG is ever visible). The
/// program is $PPL_GNUPLOT when set, else `gnuplot` on PATH. When it cannot be found, returns
/// rendered = false with a hint (and removes an older NAME.png, which would not match the
/// data); throws std::runtime_error with the script's path and gnuplot's own message when
/// gnuplot fails or writes no PNG.
FigureFiles render_figure(const std::string& dir, const std::string& name);

}  // namespace ppl::examples
