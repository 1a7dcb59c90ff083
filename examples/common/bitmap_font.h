#pragma once
// A tiny embedded 5x7 bitmap font (printable ASCII, with 2-row descenders) for labelling plots.

#include <cstdint>
#include <string>

#include "examples/common/png.h"

namespace ppl::examples::font {

constexpr int64_t kGlyphWidth = 5;   ///< glyph columns
constexpr int64_t kCapHeight = 7;    ///< rows above the baseline
constexpr int64_t kGlyphHeight = 9;  ///< rows including descenders
constexpr int64_t kAdvance = 6;      ///< columns from one character to the next

/// Which way text runs: left to right, or bottom to top (rotated 90 degrees counter-clockwise).
enum class Direction { kRight, kUp };

/// Width in pixels of `text` drawn at `scale` (the length along the direction of writing).
inline int64_t text_width(const std::string& text, int64_t scale) {
  return text.empty() ? 0 : (static_cast<int64_t>(text.size()) * kAdvance - 1) * scale;
}

/// Height in pixels of a line of text at `scale`, descenders included.
inline int64_t text_height(int64_t scale) {
  return kGlyphHeight * scale;
}

/// Draws `text` with its bounding box's top-left corner at (x, y); each font pixel becomes a
/// scale x scale block. Characters outside printable ASCII are drawn as '?'; pixels falling
/// outside the image are dropped.
void draw_text(Image& image, int64_t x, int64_t y, const std::string& text, Color color,
               int64_t scale = 1, Direction direction = Direction::kRight);

}  // namespace ppl::examples::font
