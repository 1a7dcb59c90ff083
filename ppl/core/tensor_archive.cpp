#include "ppl/core/tensor_archive.h"

#include "ppl/core/file_io.h"

#include <fmt/format.h>

#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>

namespace ppl {
namespace {

// Layout: magic (8 bytes), index length (8 bytes, little-endian), the JSON index (metadata and
// each tensor's name, dtype, shape, offset and size), then the tensors' bytes.
constexpr char kMagic[8] = {'P', 'P', 'L', 'A', 'R', 'C', 'v', '1'};
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

void put_u64(AtomicFile& file, uint64_t value) {
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(value >> (8 * i));
  file.write(bytes, 8);
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
                       {"bytes", bytes}});
    offset += bytes;
    data.push_back(std::move(contiguous));
  }
  const std::string index =
      nlohmann::json{{"metadata", archive.metadata}, {"tensors", entries}}.dump();
  AtomicFile file(path);
  file.write(kMagic, sizeof kMagic);
  put_u64(file, index.size());
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
    return std::runtime_error(fmt::format("'{}' is not a valid ppl archive: {}", path, what));
  };
  std::fseek(file.get(), 0, SEEK_END);
  const auto file_size = static_cast<uint64_t>(std::ftell(file.get()));
  std::fseek(file.get(), 0, SEEK_SET);

  char magic[sizeof kMagic];
  unsigned char length_bytes[8];
  if (file_size < 16 || std::fread(magic, 1, 8, file.get()) != 8 ||
      std::fread(length_bytes, 1, 8, file.get()) != 8)
    throw fail(fmt::format("{} bytes, shorter than the 16-byte header", file_size));
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) throw fail("wrong magic bytes");
  uint64_t index_size = 0;
  for (int i = 0; i < 8; ++i) index_size |= uint64_t{length_bytes[i]} << (8 * i);
  if (index_size > kMaxIndexBytes || index_size > file_size - 16)
    throw fail(fmt::format("index of {} bytes but the file has {}", index_size, file_size));
  std::string index_text(index_size, '\0');
  if (std::fread(index_text.data(), 1, index_size, file.get()) != index_size)
    throw fail("truncated index");
  const uint64_t data_start = 16 + index_size, data_size = file_size - data_start;

  TensorArchive archive;
  try {
    const auto index = nlohmann::json::parse(index_text);
    archive.metadata = index.at("metadata");
    for (const auto& entry : index.at("tensors")) {
      const auto name = entry.at("name").get<std::string>();
      const auto dtype_it = dtypes().find(entry.at("dtype").get<std::string>());
      if (dtype_it == dtypes().end())
        throw fail(fmt::format("tensor '{}' has an unknown dtype", name));
      const auto shape = entry.at("shape").get<std::vector<int64_t>>();
      const auto offset = entry.at("offset").get<uint64_t>(),
                 bytes = entry.at("bytes").get<uint64_t>();
      uint64_t expected = c10::elementSize(dtype_it->second);
      for (int64_t size : shape) {
        if (size < 0 || (size > 0 && expected > data_size / static_cast<uint64_t>(size)))
          throw fail(fmt::format("tensor '{}' has an impossible shape", name));
        expected *= static_cast<uint64_t>(size);
      }
      if (bytes != expected || offset > data_size || bytes > data_size - offset) {
        throw fail(fmt::format(
            "tensor '{}' needs {} bytes at offset {} but the file holds {} bytes of data", name,
            expected, offset, data_size));
      }
      auto tensor = torch::empty(shape, dtype_it->second);
      if (std::fseek(file.get(), static_cast<long>(data_start + offset), SEEK_SET) != 0 ||
          std::fread(tensor.data_ptr(), 1, bytes, file.get()) != bytes)
        throw fail(fmt::format("cannot read tensor '{}'", name));
      archive.tensors.emplace(name, std::move(tensor));
    }
  } catch (const nlohmann::json::exception& e) {
    throw fail(fmt::format("bad index: {}", e.what()));
  }
  return archive;
}

}  // namespace ppl
