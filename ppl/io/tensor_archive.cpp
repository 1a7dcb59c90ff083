#include "ppl/io/tensor_archive.h"

#include "ppl/io/file_io.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>

namespace ppl {
namespace {

// Layout (version 2): magic "PPLARCv2" (8 bytes), the index's length (8 bytes, little-endian),
// the index's CRC32 (4 bytes, little-endian), the JSON index (metadata and each tensor's name,
// dtype, shape, offset, size and CRC32), then the tensors' bytes end to end in index order.
// Version 1 had no checksums and a 16-byte header; it is still read.
constexpr char kMagicPrefix[7] = {'P', 'P', 'L', 'A', 'R', 'C', 'v'};
constexpr char kVersion = '2';
constexpr uint64_t kMaxIndexBytes = uint64_t{1} << 30;

const std::map<std::string, torch::ScalarType>& dtypes() {
  static const std::map<std::string, torch::ScalarType> known{
      {"float32", torch::kFloat},     {"float64", torch::kDouble}, {"float16", torch::kHalf},
      {"bfloat16", torch::kBFloat16}, {"int64", torch::kLong},     {"int32", torch::kInt},
      {"int16", torch::kShort},       {"int8", torch::kChar},      {"uint8", torch::kByte},
      {"bool", torch::kBool}};
  return known;
}

std::string dtype_name(torch::ScalarType type) {
  for (const auto& [name, known] : dtypes())
    if (known == type) return name;
  throw std::invalid_argument(fmt::format("cannot save tensors of dtype {}", c10::toString(type)));
}

uint32_t crc32_of(const void* data, uint64_t size) {
  return static_cast<uint32_t>(
      ::crc32_z(0, static_cast<const Bytef*>(data), static_cast<z_size_t>(size)));
}

void put_little_endian(AtomicFile& file, uint64_t value, int size) {
  unsigned char bytes[8];
  for (int i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>(value >> (8 * i));
  file.write(bytes, static_cast<size_t>(size));
}

uint64_t little_endian(const unsigned char* bytes, int size) {
  uint64_t value = 0;
  for (int i = 0; i < size; ++i) value |= uint64_t{bytes[i]} << (8 * i);
  return value;
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

const torch::Tensor& TensorArchive::tensor(const std::string& name,
                                           const std::string& source) const {
  auto it = tensors.find(name);
  if (it == tensors.end())
    throw std::runtime_error(fmt::format("{}: no tensor '{}'", source, name));
  return it->second;
}

void save_archive(const std::string& path, const TensorArchive& archive) {
  std::vector<torch::Tensor> data;
  nlohmann::json entries = nlohmann::json::array();
  uint64_t offset = 0;
  for (const auto& [name, tensor] : archive.tensors) {
    auto contiguous = tensor.detach().cpu().contiguous();
    const uint64_t bytes = contiguous.numel() * contiguous.element_size();
    entries.push_back({{"name", name},
                       {"dtype", dtype_name(contiguous.scalar_type())},
                       {"shape", contiguous.sizes().vec()},
                       {"offset", offset},
                       {"bytes", bytes},
                       {"crc32", crc32_of(contiguous.data_ptr(), bytes)}});
    offset += bytes;
    data.push_back(std::move(contiguous));
  }
  const std::string index =
      nlohmann::json{{"metadata", archive.metadata}, {"tensors", entries}}.dump();
  AtomicFile file(path);
  file.write(kMagicPrefix, sizeof kMagicPrefix);
  file.write(&kVersion, 1);
  put_little_endian(file, index.size(), 8);
  put_little_endian(file, crc32_of(index.data(), index.size()), 4);
  file.write(index.data(), index.size());
  for (const auto& tensor : data)
    file.write(tensor.data_ptr(), tensor.numel() * tensor.element_size());
  file.commit();
}

TensorArchive load_archive(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file)
    throw std::runtime_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  auto fail = [&](const std::string& what) {
    return std::runtime_error(fmt::format("cannot read ppl archive '{}': {}", path, what));
  };
  const long end = std::fseek(file.get(), 0, SEEK_END) == 0 ? std::ftell(file.get()) : -1;
  if (end < 0 || std::fseek(file.get(), 0, SEEK_SET) != 0)
    throw std::runtime_error(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  const auto file_size = static_cast<uint64_t>(end);

  unsigned char header[20];
  const size_t magic_size = std::fread(header, 1, 8, file.get());
  if (std::ferror(file.get()))
    throw std::runtime_error(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  if (magic_size != 8)
    throw fail(fmt::format("truncated: {} bytes, shorter than the header", file_size));
  if (std::memcmp(header, kMagicPrefix, sizeof kMagicPrefix) != 0)
    throw fail(fmt::format("wrong magic bytes (expected PPLARCv{})", kVersion));
  const char version = static_cast<char>(header[7]);
  if (version != '1' && version != kVersion)
    throw fail(
        fmt::format("unknown format version (byte 0x{:02x}); this build reads versions 1 "
                    "and {}",
                    header[7], kVersion));
  const bool checksummed = version != '1';
  const uint64_t header_size = checksummed ? 20 : 16;
  if (file_size < header_size ||
      std::fread(header + 8, 1, header_size - 8, file.get()) != header_size - 8)
    throw fail(fmt::format("truncated: {} bytes, shorter than the header", file_size));
  const uint64_t index_size = little_endian(header + 8, 8);
  if (index_size > kMaxIndexBytes || index_size > file_size - header_size)
    throw fail(fmt::format("truncated: the header gives an index of {} bytes but the file has {}",
                           index_size, file_size));
  std::string index_text(index_size, '\0');
  if (std::fread(index_text.data(), 1, index_size, file.get()) != index_size)
    throw fail("cannot read the index");
  if (checksummed && crc32_of(index_text.data(), index_size) != little_endian(header + 16, 4))
    throw fail("corrupt: the index does not match its checksum");
  const uint64_t data_size = file_size - header_size - index_size;

  TensorArchive archive;
  try {
    const auto index = nlohmann::json::parse(index_text);
    archive.metadata = index.at("metadata");
    uint64_t offset = 0;  // where the next tensor must start
    for (const auto& entry : index.at("tensors")) {
      const auto name = entry.at("name").get<std::string>();
      if (archive.tensors.count(name)) throw fail(fmt::format("tensor '{}' appears twice", name));
      const auto dtype_it = dtypes().find(entry.at("dtype").get<std::string>());
      if (dtype_it == dtypes().end())
        throw fail(fmt::format("tensor '{}' has an unknown dtype", name));
      const auto shape = entry.at("shape").get<std::vector<int64_t>>();
      // Non-zero sizes must multiply to a byte count that fits in int64_t, even for an empty
      // tensor (its strides are those products).
      const uint64_t element_size = c10::elementSize(dtype_it->second);
      uint64_t nonzero_bytes = element_size;
      bool empty = false;
      for (int64_t size : shape) {
        const auto limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
        if (size < 0 || (size > 0 && nonzero_bytes > limit / static_cast<uint64_t>(size)))
          throw fail(fmt::format("tensor '{}' has an impossible shape", name));
        if (size == 0) empty = true;
        if (size > 0) nonzero_bytes *= static_cast<uint64_t>(size);
      }
      const uint64_t expected = empty ? 0 : nonzero_bytes;
      const auto bytes = entry.at("bytes").get<uint64_t>();
      if (entry.at("offset").get<uint64_t>() != offset || bytes != expected ||
          bytes > data_size - offset) {
        throw fail(fmt::format(
            "truncated or corrupt: tensor '{}' needs {} bytes at offset {} but the file holds {} "
            "bytes of data",
            name, expected, offset, data_size));
      }
      auto tensor = torch::empty(shape, dtype_it->second);
      if (std::fread(tensor.data_ptr(), 1, bytes, file.get()) != bytes)
        throw fail(fmt::format("cannot read tensor '{}'", name));
      if (checksummed && crc32_of(tensor.data_ptr(), bytes) != entry.at("crc32").get<uint32_t>())
        throw fail(fmt::format("corrupt: tensor '{}' does not match its checksum", name));
      offset += bytes;
      archive.tensors.emplace(name, std::move(tensor));
    }
    if (offset != data_size)
      throw fail(fmt::format("{} bytes after the last tensor", data_size - offset));
  } catch (const nlohmann::json::exception& e) {
    throw fail(fmt::format("bad index: {}", e.what()));
  }
  return archive;
}

}  // namespace ppl
