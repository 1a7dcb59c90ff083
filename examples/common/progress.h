#pragma once
// A one-line progress bar with steps/s and ETA, drawn on stderr when it is a terminal.

#include <chrono>
#include <cstdint>
#include <string>

namespace ppl::examples {

class ProgressBar {
 public:
  /// Draws nothing unless `enabled` and stderr is a terminal.
  ProgressBar(std::string label, int64_t total, bool enabled = true);
  ~ProgressBar() { finish(); }
  /// Marks `done` of `total` steps as complete (redraws at most ~10 times a second).
  void update(int64_t done);
  /// Erases the bar.
  void finish();

 private:
  std::string label_;
  int64_t total_;
  bool active_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace ppl::examples
