#include "ppl/io/file_io.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ppl {
namespace {

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::vector<char> read_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file)
    throw std::runtime_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::vector<char> bytes;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
    bytes.insert(bytes.end(), buffer, buffer + n);
  const bool failed = std::ferror(file);
  std::fclose(file);
  if (failed) throw std::runtime_error(fmt::format("cannot read '{}'", path));
  return bytes;
}

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temporary_(fmt::format("{}.tmp.{}", path_, ::getpid())) {
  file_ = std::fopen(temporary_.c_str(), "wb");
  if (!file_)
    throw std::runtime_error(
        fmt::format("cannot write '{}': {}", temporary_, std::strerror(errno)));
}

AtomicFile::~AtomicFile() {
  if (!file_) return;
  std::fclose(file_);
  std::remove(temporary_.c_str());
}

void AtomicFile::write(const void* data, size_t size) {
  if (!file_) throw std::logic_error(fmt::format("'{}' is already committed", path_));
  if (size > 0 && std::fwrite(data, 1, size, file_) != size)
    throw std::runtime_error(
        fmt::format("cannot write '{}': {}", temporary_, std::strerror(errno)));
}

void AtomicFile::commit() {
  if (!file_) throw std::logic_error(fmt::format("'{}' is already committed", path_));
  const bool flushed = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  const int error = errno;
  std::fclose(file_);
  file_ = nullptr;
  if (!flushed || std::rename(temporary_.c_str(), path_.c_str()) != 0) {
    const int rename_error = flushed ? errno : error;
    std::remove(temporary_.c_str());
    throw std::runtime_error(
        fmt::format("cannot write '{}': {}", path_, std::strerror(rename_error)));
  }
  // Makes the rename itself durable. Some file systems cannot sync a directory: not an error.
  const int directory = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY);
  if (directory >= 0) {
    ::fsync(directory);
    ::close(directory);
  }
}

void write_file_atomically(const std::string& path, const std::vector<char>& bytes) {
  AtomicFile file(path);
  file.write(bytes.data(), bytes.size());
  file.commit();
}

}  // namespace ppl
