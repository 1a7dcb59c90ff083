#pragma once
// Whole-file reads and crash-safe writes.

#include <cstdio>
#include <string>
#include <vector>

namespace ppl {

/// Reads the whole file; std::runtime_error naming `path` if it cannot be read.
std::vector<char> read_file(const std::string& path);

/// A file written through a temporary (`path.tmp.<pid>`) in the same directory that `commit()`
/// flushes to disk (fsync), renames over `path` and makes durable (fsync of the directory):
/// readers see the old file or the new one, never a part. Destroying it uncommitted removes the
/// temporary; a process killed while writing leaves it behind, and `path` intact.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t size);
  void commit();

 private:
  std::string path_, temporary_;
  std::FILE* file_;
};

/// Writes `bytes` to `path` atomically (see AtomicFile).
void write_file_atomically(const std::string& path, const std::vector<char>& bytes);

}  // namespace ppl
