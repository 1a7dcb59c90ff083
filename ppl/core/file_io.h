#pragma once
// Whole-file reads and crash-safe writes.

#include <string>
#include <vector>

namespace ppl {

/// Reads the whole file; std::runtime_error naming `path` if it cannot be read.
std::vector<char> read_file(const std::string& path);

/// Writes `bytes` to `path` through a temporary file in the same directory that is flushed to
/// disk and then renamed over `path`: a reader sees the old file or the new one, never a part.
void write_file_atomically(const std::string& path, const std::vector<char>& bytes);

}  // namespace ppl
