#pragma once
// Whole-file reads and crash-safe writes.

#include <cstdio>
#include <string>
#include <vector>

namespace ppl {

/// Reads the whole file; std::runtime_error naming `path` if it cannot be read.
std::vector<char> read_file(const std::string& path);

/// A file written through a temporary in the same directory that `commit()` flushes to disk and
/// renames over `path`: readers see the old file or the new one, never a part. Destroying it
/// uncommitted removes the temporary.
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
