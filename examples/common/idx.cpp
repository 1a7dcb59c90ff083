#include "examples/common/idx.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

namespace ppl::examples {
namespace {

constexpr unsigned char kUnsignedByte = 0x08;
constexpr int64_t kMaxDeflateRatio = 1032;

/// What a reader wants: images (3 dims) or labels (1 dim).
struct IdxKind {
  const char* name;      // "images" or "labels"
  const char* singular;  // "image" or "label"
  int dims;
  uint32_t magic() const { return (uint32_t{kUnsignedByte} << 8) | static_cast<uint32_t>(dims); }
};
constexpr IdxKind kImages{"images", "image", 3};
constexpr IdxKind kLabels{"labels", "label", 1};

/// Sequential reader over a raw or a gzipped file. read() returns fewer bytes than asked only at
/// the end of the data, and throws on I/O errors and on truncated or corrupt gzip streams.
class ByteSource {
 public:
  explicit ByteSource(const std::string& path) : path_(path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file) {
      if (errno == ENOENT)
        throw std::runtime_error(
            fmt::format("{}: no such file (to download MNIST, run scripts/fetch_mnist)", path));
      throw std::runtime_error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    }
    if (std::fseek(file, 0, SEEK_END) == 0) file_size_ = std::ftell(file);
    std::rewind(file);
    unsigned char magic[2] = {0, 0};
    const bool gzipped = std::fread(magic, 1, 2, file) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (!gzipped) {
      std::rewind(file);
      raw_ = file;
      return;
    }
    std::fclose(file);
    gz_ = gzopen(path.c_str(), "rb");
    if (!gz_)
      throw std::runtime_error(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    gzbuffer(gz_, 1 << 17);
  }
  ~ByteSource() {
    if (raw_) std::fclose(raw_);
    if (gz_) gzclose(gz_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  bool gzipped() const { return gz_ != nullptr; }

  /// The size of the file on disk (compressed, for a gzipped one).
  int64_t file_size() const { return file_size_; }

  /// Bytes left in a raw file (not known for a gzipped one).
  int64_t raw_bytes_left() {
    const long here = std::ftell(raw_);
    if (here < 0 || std::fseek(raw_, 0, SEEK_END) != 0) throw_read_error();
    const long end = std::ftell(raw_);
    if (end < 0 || std::fseek(raw_, here, SEEK_SET) != 0) throw_read_error();
    return end - here;
  }

  size_t read(void* data, size_t size) {
    if (raw_) {
      const size_t n = std::fread(data, 1, size, raw_);
      if (n < size && std::ferror(raw_)) throw_read_error();
      return n;
    }
    auto* bytes = static_cast<unsigned char*>(data);
    size_t done = 0;
    while (done < size) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - done, 1u << 30));
      const int n = gzread(gz_, bytes + done, chunk);
      if (n > 0) done += static_cast<size_t>(n);
      if (n < static_cast<int>(chunk)) {
        int status = Z_OK;
        std::string message = gzerror(gz_, &status);  // "path: what"
        if (message.rfind(path_ + ": ", 0) == 0) message.erase(0, path_.size() + 2);
        if (status == Z_BUF_ERROR)
          throw std::runtime_error(
              fmt::format("{}: truncated gzip stream (unexpected end of file)", path_));
        if (status != Z_OK)
          throw std::runtime_error(fmt::format("{}: corrupt gzip stream: {}", path_, message));
        break;
      }
    }
    return done;
  }

  /// Reads to the end and returns how many bytes were left (this also checks a gzip trailer).
  int64_t drain() {
    char buffer[1 << 16];
    int64_t total = 0;
    size_t n;
    while ((n = read(buffer, sizeof buffer)) > 0) total += static_cast<int64_t>(n);
    return total;
  }

 private:
  [[noreturn]] void throw_read_error() const {
    throw std::runtime_error(fmt::format("{}: cannot read: {}", path_, std::strerror(errno)));
  }

  std::string path_;
  int64_t file_size_ = 0;
  std::FILE* raw_ = nullptr;
  gzFile gz_ = nullptr;
};

uint32_t big_endian(const unsigned char* bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

const char* type_name(unsigned char type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "short";
    case 0x0C:
      return "int";
    case 0x0D:
      return "float";
    case 0x0E:
      return "double";
    default:
      return "not an IDX type";
  }
}

std::string dims_text(const std::vector<int64_t>& sizes) {
  return fmt::format("{}", fmt::join(sizes.begin() + 1, sizes.end(), "x"));
}

/// "60000 images of 28x28 (47040000 bytes)" or "60000 labels (60000 bytes)".
std::string describe(const IdxKind& kind, const std::vector<int64_t>& sizes, int64_t bytes) {
  const char* name = sizes[0] == 1 ? kind.singular : kind.name;
  if (sizes.size() == 1) return fmt::format("{} {} ({} bytes)", sizes[0], name, bytes);
  return fmt::format("{} {} of {} ({} bytes)", sizes[0], name, dims_text(sizes), bytes);
}

void check_header(const std::string& path, const IdxKind& kind, const unsigned char* header,
                  size_t got) {
  if (got == 0)
    throw std::runtime_error(fmt::format("{}: empty file, expected IDX {} (magic 0x{:08x})", path,
                                         kind.name, kind.magic()));
  if (got < 4)
    throw std::runtime_error(
        fmt::format("{}: truncated header: expected magic 0x{:08x} ({}), found only {} bytes", path,
                    kind.magic(), kind.name, got));
  const uint32_t magic = big_endian(header);
  if (magic == kind.magic()) return;
  const unsigned char type = header[2];
  const int dims = header[3];
  if (header[0] != 0 || header[1] != 0)
    throw std::runtime_error(fmt::format("{}: expected magic 0x{:08x} ({}), found 0x{:08x}", path,
                                         kind.magic(), kind.name, magic));
  if (type != kUnsignedByte)
    throw std::runtime_error(fmt::format(
        "{}: expected data type 0x{:02x} (unsigned byte), found 0x{:02x} ({}) in magic 0x{:08x}",
        path, kUnsignedByte, type, type_name(type), magic));
  const IdxKind& other = kind.dims == kImages.dims ? kLabels : kImages;
  throw std::runtime_error(
      fmt::format("{}: expected magic 0x{:08x} ({}, {} dims), found 0x{:08x} ({} dims){}", path,
                  kind.magic(), kind.name, kind.dims, magic, dims,
                  dims == other.dims ? fmt::format(": this is an IDX {} file", other.name) : ""));
}

void check_expected(const std::string& path, const IdxKind& kind, const std::vector<int64_t>& sizes,
                    const IdxExpect& expect) {
  if (expect.count >= 0 && sizes[0] != expect.count)
    throw std::runtime_error(
        fmt::format("{}: expected {} {}, found {}", path, expect.count, kind.name, sizes[0]));
  if (sizes.size() < 3) return;
  if ((expect.rows >= 0 && sizes[1] != expect.rows) ||
      (expect.cols >= 0 && sizes[2] != expect.cols))
    throw std::runtime_error(fmt::format("{}: expected images of {}x{}, found {}", path,
                                         expect.rows >= 0 ? std::to_string(expect.rows) : "*",
                                         expect.cols >= 0 ? std::to_string(expect.cols) : "*",
                                         dims_text(sizes)));
}

torch::Tensor read_idx(const std::string& path, const IdxKind& kind, const IdxExpect& expect) {
  ByteSource source(path);
  unsigned char header[4 + 4 * 3];
  const size_t header_size = 4 + 4 * static_cast<size_t>(kind.dims);
  const size_t got = source.read(header, header_size);
  check_header(path, kind, header, got);
  if (got < header_size)
    throw std::runtime_error(
        fmt::format("{}: truncated header: expected {} bytes, found {}", path, header_size, got));

  std::vector<int64_t> sizes;
  for (int d = 0; d < kind.dims; ++d) sizes.push_back(big_endian(header + 4 + 4 * d));
  check_expected(path, kind, sizes, expect);
  int64_t bytes = 1;
  for (int64_t size : sizes) {
    if (size != 0 && bytes > std::numeric_limits<int64_t>::max() / size)
      throw std::runtime_error(fmt::format("{}: header says {} of sizes {}: more than 2^63 bytes",
                                           path, kind.name, fmt::join(sizes, "x")));
    bytes *= size;
  }

  const auto payload_error = [&](int64_t found) {
    return std::runtime_error(fmt::format("{}: {}: header says {} but found {} bytes", path,
                                          found < bytes ? "truncated" : "trailing bytes",
                                          describe(kind, sizes, bytes), found));
  };
  // Check what the header claims before allocating it: a raw file's size is known, and deflate
  // expands a gzip file at most 1032-fold.
  if (!source.gzipped()) {
    const int64_t left = source.raw_bytes_left();
    if (left != bytes) throw payload_error(left);
  } else if (bytes / kMaxDeflateRatio > source.file_size()) {
    throw std::runtime_error(fmt::format(
        "{}: truncated: header says {} but a gzip file of {} bytes holds at most {}", path,
        describe(kind, sizes, bytes), source.file_size(), source.file_size() * kMaxDeflateRatio));
  }
  torch::Tensor data;
  try {
    data = torch::empty(sizes, torch::kUInt8);
  } catch (const std::exception& error) {
    throw std::runtime_error(fmt::format("{}: cannot allocate {}: {}", path,
                                         describe(kind, sizes, bytes), error.what()));
  }
  const auto found = static_cast<int64_t>(source.read(data.data_ptr<uint8_t>(), bytes));
  if (found < bytes) throw payload_error(found);
  const int64_t extra = source.drain();
  if (extra > 0) throw payload_error(bytes + extra);
  return data;
}

}  // namespace

torch::Tensor read_idx_images(const std::string& path, const IdxExpect& expect) {
  return read_idx(path, kImages, expect);
}

torch::Tensor read_idx_labels(const std::string& path, const IdxExpect& expect) {
  return read_idx(path, kLabels, expect);
}

}  // namespace ppl::examples
