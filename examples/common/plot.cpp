#include "examples/common/plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "examples/common/bitmap_font.h"

namespace ppl::examples {
namespace {

constexpr int64_t kTextScale = 2;
constexpr int64_t kTickLength = 5;
constexpr int64_t kGap = 6;
constexpr Color kInk{34, 34, 34};
constexpr Color kGridColor{228, 228, 228};
constexpr Color kLegendBorder{180, 180, 180};
constexpr Color kWhite{255, 255, 255};

/// Inclusive pixel rectangle.
struct Rect {
  int64_t left, top, right, bottom;
  bool contains(int64_t x, int64_t y) const {
    return x >= left && x <= right && y >= top && y <= bottom;
  }
};

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
};

bool finite_point(const Series& s, size_t i) {
  return std::isfinite(s.x[i]) && std::isfinite(s.y[i]);
}

/// Data range with a 5% margin on each side; a zero range is padded by 10% of the value (or 1).
Range axis_limits(Range data) {
  if (data.hi > data.lo) {
    const double margin = 0.05 * (data.hi - data.lo);
    return {data.lo - margin, data.hi + margin};
  }
  const double pad = data.lo == 0 ? 1.0 : 0.1 * std::abs(data.lo);
  return {data.lo - pad, data.hi + pad};
}

void fill_rect(Image& image, const Rect& r, Color color) {
  for (int64_t y = r.top; y <= r.bottom; ++y) {
    for (int64_t x = r.left; x <= r.right; ++x) image.set(x, y, color);
  }
}

void outline_rect(Image& image, const Rect& r, Color color) {
  for (int64_t x = r.left; x <= r.right; ++x) {
    image.set(x, r.top, color);
    image.set(x, r.bottom, color);
  }
  for (int64_t y = r.top; y <= r.bottom; ++y) {
    image.set(r.left, y, color);
    image.set(r.right, y, color);
  }
}

/// Bresenham line from (x0, y0) to (x1, y1), each step a thickness x thickness block, clipped.
void draw_line(Image& image, int64_t x0, int64_t y0, int64_t x1, int64_t y1, Color color,
               const Rect& clip, int64_t thickness = 2) {
  const int64_t dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
  const int64_t sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  int64_t error = dx + dy;
  const int64_t offset = (thickness - 1) / 2;
  while (true) {
    for (int64_t by = 0; by < thickness; ++by) {
      for (int64_t bx = 0; bx < thickness; ++bx) {
        const int64_t x = x0 - offset + bx, y = y0 - offset + by;
        if (clip.contains(x, y)) image.set(x, y, color);
      }
    }
    if (x0 == x1 && y0 == y1) break;
    const int64_t doubled = 2 * error;
    if (doubled >= dy) {
      error += dy;
      x0 += sx;
    }
    if (doubled <= dx) {
      error += dx;
      y0 += sy;
    }
  }
}

/// Filled disc of radius ~3.5 pixels centred on (cx, cy), clipped.
void draw_marker(Image& image, int64_t cx, int64_t cy, Color color, const Rect& clip) {
  for (int64_t dy = -3; dy <= 3; ++dy) {
    for (int64_t dx = -3; dx <= 3; ++dx) {
      if (dx * dx + dy * dy <= 12 && clip.contains(cx + dx, cy + dy)) {
        image.set(cx + dx, cy + dy, color);
      }
    }
  }
}

/// Maps data coordinates to pixels of the plot area.
struct Mapping {
  Rect area;
  Range x, y;
  int64_t px(double v) const {
    return area.left + std::llround((v - x.lo) / (x.hi - x.lo) * double(area.right - area.left));
  }
  int64_t py(double v) const {
    return area.bottom - std::llround((v - y.lo) / (y.hi - y.lo) * double(area.bottom - area.top));
  }
};

int64_t widest_label(const Ticks& ticks) {
  int64_t widest = 0;
  for (double v : ticks.values) {
    widest = std::max(widest, font::text_width(format_tick(v, ticks.step), kTextScale));
  }
  return widest;
}

/// Ticks for the x axis: as many as fit with their labels side by side.
Ticks x_ticks(Range limits, int64_t plot_width) {
  for (int64_t count = std::max<int64_t>(2, plot_width / 80);; --count) {
    Ticks ticks = nice_ticks(limits.lo, limits.hi, count);
    const double spacing = ticks.step / (limits.hi - limits.lo) * double(plot_width);
    if (count == 1 || spacing >= double(widest_label(ticks) + 3 * kGap)) return ticks;
  }
}

void draw_series(Image& image, const Series& s, const Mapping& map, bool markers) {
  const Rect inside{map.area.left + 1, map.area.top + 1, map.area.right - 1, map.area.bottom - 1};
  for (size_t i = 1; i < s.x.size(); ++i) {
    if (!finite_point(s, i - 1) || !finite_point(s, i)) continue;
    draw_line(image, map.px(s.x[i - 1]), map.py(s.y[i - 1]), map.px(s.x[i]), map.py(s.y[i]),
              s.color, inside);
  }
  if (!markers) return;
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (finite_point(s, i)) draw_marker(image, map.px(s.x[i]), map.py(s.y[i]), s.color, inside);
  }
}

/// Legend box in the corner of the plot area that covers the fewest series pixels.
void draw_legend(Image& image, const std::vector<Series>& series, const Rect& area, bool markers) {
  std::vector<const Series*> entries;
  int64_t label_width = 0;
  for (const auto& s : series) {
    if (s.label.empty()) continue;
    entries.push_back(&s);
    label_width = std::max(label_width, font::text_width(s.label, kTextScale));
  }
  if (entries.empty()) return;
  const int64_t pad = 8, sample = 32, row = font::text_height(kTextScale) + kGap;
  const int64_t n = static_cast<int64_t>(entries.size());
  const int64_t width = pad + sample + kGap + label_width + pad;
  const int64_t height = 2 * pad + n * row - kGap;
  const int64_t inset = 10;
  const std::array<std::pair<int64_t, int64_t>, 4> corners = {{
      {area.right - inset - width, area.top + inset},              // upper right
      {area.left + inset, area.top + inset},                       // upper left
      {area.right - inset - width, area.bottom - inset - height},  // lower right
      {area.left + inset, area.bottom - inset - height},           // lower left
  }};
  auto covered = [&](int64_t left, int64_t top) {
    int64_t count = 0;
    for (int64_t y = std::max<int64_t>(top, 0); y < std::min(top + height, image.height); ++y) {
      for (int64_t x = std::max<int64_t>(left, 0); x < std::min(left + width, image.width); ++x) {
        const uint8_t* p = image.at(x, y);
        for (const auto* s : entries) {
          if (p[0] == s->color.r && p[1] == s->color.g && p[2] == s->color.b) ++count;
        }
      }
    }
    return count;
  };
  auto best = corners[0];
  int64_t fewest = covered(best.first, best.second);
  for (size_t c = 1; c < corners.size() && fewest > 0; ++c) {
    const int64_t count = covered(corners[c].first, corners[c].second);
    if (count < fewest) fewest = count, best = corners[c];
  }
  const Rect box{best.first, best.second, best.first + width - 1, best.second + height - 1};
  fill_rect(image, box, kWhite);
  outline_rect(image, box, kLegendBorder);
  const int64_t middle = font::kCapHeight * kTextScale / 2;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t top = box.top + pad + i * row, x = box.left + pad;
    draw_line(image, x, top + middle, x + sample - 1, top + middle, entries[i]->color, box);
    if (markers) draw_marker(image, x + sample / 2, top + middle, entries[i]->color, box);
    font::draw_text(image, x + sample + kGap, top, entries[i]->label, kInk, kTextScale);
  }
}

}  // namespace

Color series_color(size_t index) {
  static constexpr std::array<Color, 10> kTab10 = {{{31, 119, 180},
                                                    {255, 127, 14},
                                                    {44, 160, 44},
                                                    {214, 39, 40},
                                                    {148, 103, 189},
                                                    {140, 86, 75},
                                                    {227, 119, 194},
                                                    {127, 127, 127},
                                                    {188, 189, 34},
                                                    {23, 190, 207}}};
  return kTab10[index % kTab10.size()];
}

Ticks nice_ticks(double lo, double hi, int64_t max_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi) || max_ticks < 1) {
    throw std::invalid_argument(
        fmt::format("nice_ticks: expected finite lo < hi and max_ticks >= 1, got [{}, {}] and {}",
                    lo, hi, max_ticks));
  }
  const double raw = (hi - lo) / double(max_ticks);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  Ticks ticks;
  ticks.step = 10 * magnitude;
  for (double mantissa : {1.0, 2.0, 5.0}) {
    if (mantissa * magnitude >= raw * (1 - 1e-12)) {
      ticks.step = mantissa * magnitude;
      break;
    }
  }
  const auto first = static_cast<int64_t>(std::ceil(lo / ticks.step - 1e-9));
  const auto last = static_cast<int64_t>(std::floor(hi / ticks.step + 1e-9));
  for (int64_t i = first; i <= last; ++i) ticks.values.push_back(double(i) * ticks.step);
  return ticks;
}

std::string format_tick(double value, double step) {
  if (std::abs(value) < 1e-9 * step) value = 0;  // no "-0"
  const double largest = std::max(std::abs(value), step);
  if (largest >= 1e7 || step < 1e-5) {
    const int digits = int(std::floor(std::log10(largest)) - std::floor(std::log10(step))) + 1;
    return fmt::format("{:.{}g}", value, std::max(digits, 1));
  }
  const int decimals = std::max(0, -int(std::floor(std::log10(step) + 1e-9)));
  return fmt::format("{:.{}f}", value, decimals);
}

Image line_plot(const std::vector<Series>& series, const PlotOptions& options) {
  if (series.empty()) throw std::invalid_argument("line_plot: expected at least one series");
  if (options.width < 160 || options.height < 120) {
    throw std::invalid_argument(
        fmt::format("line_plot: expected a size of at least 160x120, got {}x{}", options.width,
                    options.height));
  }
  Range x_data, y_data;
  for (const auto& s : series) {
    if (s.x.size() != s.y.size()) {
      throw std::invalid_argument(
          fmt::format("line_plot: series '{}' has {} x values but {} y values", s.label, s.x.size(),
                      s.y.size()));
    }
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!finite_point(s, i)) continue;
      x_data = {std::min(x_data.lo, s.x[i]), std::max(x_data.hi, s.x[i])};
      y_data = {std::min(y_data.lo, s.y[i]), std::max(y_data.hi, s.y[i])};
    }
  }
  if (!(x_data.lo <= x_data.hi)) {
    throw std::invalid_argument("line_plot: no series has a point with finite x and y");
  }
  const Range x_limits = axis_limits(x_data), y_limits = axis_limits(y_data);

  Image image(options.width, options.height, 3, 255);
  const int64_t line = font::text_height(kTextScale), cap = font::kCapHeight * kTextScale;
  const int64_t top = 14 + (options.title.empty() ? 0 : line + 2 * kGap);
  const int64_t bottom =
      options.height - 1 -
      (kTickLength + kGap + line + (options.x_label.empty() ? 0 : line + 4) + 12);
  const Ticks y_ticks =
      nice_ticks(y_limits.lo, y_limits.hi, std::max<int64_t>(2, (bottom - top) / 50));
  const int64_t left =
      14 + (options.y_label.empty() ? 0 : line + kGap) + widest_label(y_ticks) + kGap + kTickLength;
  int64_t right = options.width - 1 - 24;
  Ticks xt = x_ticks(x_limits, right - left);
  const int64_t overhang =
      xt.values.empty() ? 0
                        : font::text_width(format_tick(xt.values.back(), xt.step), kTextScale) / 2;
  if (overhang + 4 > 24) {
    right = options.width - 1 - (overhang + 4);
    xt = x_ticks(x_limits, right - left);
  }
  const Mapping map{{left, top, right, bottom}, x_limits, y_limits};
  const Rect inside{left + 1, top + 1, right - 1, bottom - 1};
  const Rect everywhere{0, 0, options.width - 1, options.height - 1};

  for (double v : y_ticks.values) {
    const int64_t y = map.py(v);
    draw_line(image, left + 1, y, right - 1, y, kGridColor, inside, 1);
    draw_line(image, left - kTickLength, y, left - 1, y, kInk, everywhere, 1);
    const std::string label = format_tick(v, y_ticks.step);
    font::draw_text(image, left - kTickLength - kGap - font::text_width(label, kTextScale),
                    y - cap / 2, label, kInk, kTextScale);
  }
  for (double v : xt.values) {
    const int64_t x = map.px(v);
    draw_line(image, x, top + 1, x, bottom - 1, kGridColor, inside, 1);
    draw_line(image, x, bottom + 1, x, bottom + kTickLength, kInk, everywhere, 1);
    const std::string label = format_tick(v, xt.step);
    font::draw_text(image, x - font::text_width(label, kTextScale) / 2, bottom + kTickLength + kGap,
                    label, kInk, kTextScale);
  }
  for (const auto& s : series) draw_series(image, s, map, options.markers);
  outline_rect(image, map.area, kInk);
  if (options.legend) draw_legend(image, series, map.area, options.markers);

  const int64_t center_x = (left + right) / 2;
  if (!options.title.empty()) {
    const int64_t x = center_x - font::text_width(options.title, kTextScale) / 2;
    font::draw_text(image, x, 14, options.title, kInk, kTextScale);
    font::draw_text(image, x + 1, 14, options.title, kInk, kTextScale);  // bold
  }
  if (!options.x_label.empty()) {
    font::draw_text(image, center_x - font::text_width(options.x_label, kTextScale) / 2,
                    bottom + kTickLength + kGap + line + 4, options.x_label, kInk, kTextScale);
  }
  if (!options.y_label.empty()) {
    font::draw_text(image, 14,
                    (top + bottom) / 2 - font::text_width(options.y_label, kTextScale) / 2,
                    options.y_label, kInk, kTextScale, font::Direction::kUp);
  }
  return image;
}

void save_line_plot(const std::string& path, const std::vector<Series>& series,
                    const PlotOptions& options) {
  write_png(path, line_plot(series, options));
}

}  // namespace ppl::examples
