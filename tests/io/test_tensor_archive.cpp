// The tensor archive (ppl/io/tensor_archive.h), the one file format of everything ppl saves:
// round trips of every dtype, strided, empty and 0-dim tensors with JSON metadata; the file
// layout; lookups of absent tensors and saves of dtypes the format cannot hold; files cut short
// anywhere, flipped bits, foreign files and inconsistent indexes, each an error naming the file and
// what is wrong; version-1 archives; a seeded fuzz test of the loader.
#include <doctest/doctest.h>

#include "ppl/io/file_io.h"
#include "ppl/io/tensor_archive.h"
#include "tests/support.h"

#include <zlib.h>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>

namespace test_tensor_archive {

namespace fs = std::filesystem;
using nlohmann::json;
using ppl::TensorArchive;
using ppl::testing::contains;
using ppl::testing::TempDir;
using ppl::testing::what_of;

namespace {

constexpr size_t kHeaderSize = 20;          // version 2: magic, index length, index CRC32
constexpr size_t kVersion1HeaderSize = 16;  // version 1: magic, index length

std::string file_text(const std::string& path) {
  const std::vector<char> bytes = ppl::read_file(path);
  return {bytes.begin(), bytes.end()};
}

/// Writes a new file `path` (removing any old one: rewriting a file in place costs a disk write
/// on ext4).
void write_bytes(const std::string& path, const std::string& bytes) {
  fs::remove(path);
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

uint32_t crc32_of(const std::string& bytes) {
  return static_cast<uint32_t>(
      ::crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

uint64_t little_endian(const std::string& bytes, size_t at, int size) {
  uint64_t value = 0;
  for (int i = 0; i < size; ++i)
    value |= uint64_t{static_cast<unsigned char>(bytes.at(at + i))} << (8 * i);
  return value;
}

void put_little_endian(std::string& bytes, uint64_t value, int size) {
  for (int i = 0; i < size; ++i) bytes.push_back(static_cast<char>(value >> (8 * i)));
}

/// The bytes of a tensor's elements, in order.
std::string bytes_of(const torch::Tensor& tensor) {
  const auto contiguous = tensor.contiguous();
  return {static_cast<const char*>(contiguous.data_ptr()),
          static_cast<size_t>(contiguous.numel() * contiguous.element_size())};
}

/// An archive file of format `version` ('1': no checksum; '2': the index's CRC32 after its
/// length) holding `index` and `data` as given, so that any index reaches the parser.
std::string archive_file(char version, const std::string& index, const std::string& data) {
  std::string bytes = std::string("PPLARCv") + version;
  put_little_endian(bytes, index.size(), 8);
  if (version != '1') put_little_endian(bytes, crc32_of(index), 4);
  return bytes + index + data;
}

/// The parts of a version-2 file.
struct Parts {
  json index;
  std::string data;
  size_t data_start;
};
Parts parts_of(const std::string& bytes) {
  const size_t index_size = little_endian(bytes, 8, 8);
  return {json::parse(bytes.substr(kHeaderSize, index_size)),
          bytes.substr(kHeaderSize + index_size), kHeaderSize + index_size};
}

/// A version-2 file rewritten as version 1: the same index without its checksums, the same data.
std::string as_version_1(const std::string& bytes) {
  Parts parts = parts_of(bytes);
  for (auto& entry : parts.index.at("tensors")) entry.erase("crc32");
  return archive_file('1', parts.index.dump(), parts.data);
}

/// The name of the first tensor of `index` whose bytes do not all lie in the first `available`
/// bytes of data (the one a loader of a file cut there must name).
std::string first_tensor_cut(const json& index, uint64_t available) {
  for (const auto& entry : index.at("tensors"))
    if (entry.at("offset").get<uint64_t>() + entry.at("bytes").get<uint64_t>() > available)
      return entry.at("name").get<std::string>();
  return "(none)";
}

/// Tensors of every dtype the archive saves (with infinities, NaN, -0 and integer extremes),
/// strided, empty and 0-dim tensors, and nested metadata. Values from a seeded generator.
TensorArchive sample_archive() {
  auto generator = ppl::testing::generator(20240611);
  TensorArchive archive;
  auto& t = archive.tensors;
  const auto normal = torch::randn({2, 3}, generator, torch::kDouble) * 10;
  t["float32"] = normal.to(torch::kFloat);
  using limits = std::numeric_limits<double>;
  t["float64"] = torch::tensor({limits::infinity(), -limits::infinity(), limits::quiet_NaN(), -0.0,
                                limits::denorm_min(), limits::max()},
                               torch::kDouble);
  t["float16"] = normal.to(torch::kHalf);
  t["bfloat16"] = normal.to(torch::kBFloat16);
  t["int64"] = torch::tensor({INT64_MIN, int64_t{-1}, int64_t{0}, INT64_MAX}, torch::kLong);
  t["int32"] = torch::randint(INT32_MIN, INT32_MAX, {3}, generator, torch::kInt);
  t["int16"] = torch::randint(INT16_MIN, INT16_MAX, {2, 2}, generator, torch::kShort);
  t["int8"] = torch::randint(-128, 128, {5}, generator, torch::kChar);
  t["uint8"] = torch::randint(0, 256, {7}, generator, torch::kByte);
  t["bool"] = torch::randint(0, 2, {2, 3}, generator, torch::kLong).to(torch::kBool);
  t["transposed"] = torch::arange(12, torch::kFloat).view({3, 4}).t();
  t["strided"] = torch::arange(40, torch::kLong).slice(0, 1, 40, 3);
  t["empty"] = torch::empty({0, 3});
  t["empty_int32"] = torch::zeros({4, 0, 2}, torch::kInt);
  t["scalar"] = torch::tensor(2.5, torch::kDouble);
  t["scalar_bool"] = torch::tensor(true);
  archive.metadata = {
      {"name", "sample"},
      {"epoch", 3},
      {"big", UINT64_MAX},
      {"text", "µ ∑ \"quoted\"\n"},
      {"nested", {{"list", {1, 2.5, "three", nullptr, true}}, {"empty", json::object()}}}};
  return archive;
}

/// The bytes of sample_archive() saved in `dir`.
std::string sample_file(const TempDir& dir) {
  const auto path = dir / "sample.ppl";
  ppl::save_archive(path, sample_archive());
  return file_text(path);
}

/// Checks that `loaded` holds what `saved` does, byte for byte, in contiguous CPU tensors.
void check_same(const TensorArchive& loaded, const TensorArchive& saved) {
  CHECK(loaded.metadata == saved.metadata);
  CHECK(loaded.tensors.size() == saved.tensors.size());
  for (const auto& [name, tensor] : saved.tensors) {
    CAPTURE(name);
    REQUIRE(loaded.tensors.count(name));
    const torch::Tensor& copy = loaded.tensors.at(name);
    CHECK(std::string(c10::toString(copy.scalar_type())) == c10::toString(tensor.scalar_type()));
    CHECK(copy.sizes().vec() == tensor.sizes().vec());
    CHECK(copy.device() == torch::Device(torch::kCPU));
    CHECK(copy.is_contiguous());
    CHECK(bytes_of(copy) == bytes_of(tensor));
  }
}

/// The message of the std::runtime_error that loading `path` throws (other exceptions escape and
/// fail the test), checked to name the file.
std::string load_error(const std::string& path) {
  std::string message = "(nothing thrown)";
  try {
    ppl::load_archive(path);
  } catch (const std::runtime_error& error) {
    message = error.what();
  }
  CHECK_MESSAGE(contains(message, "'" + path + "'"), message);
  return message;
}

}  // namespace

TEST_CASE("an archive round-trips tensors of every dtype, strided, empty and 0-dim, and metadata") {
  TempDir dir;
  const auto path = dir / "sample.ppl";
  const TensorArchive saved = sample_archive();
  REQUIRE_FALSE(saved.tensors.at("transposed").is_contiguous());
  REQUIRE_FALSE(saved.tensors.at("strided").is_contiguous());
  REQUIRE(saved.tensors.at("scalar").dim() == 0);
  ppl::save_archive(path, saved);
  check_same(ppl::load_archive(path), saved);

  SUBCASE("an empty archive") {
    ppl::save_archive(path, TensorArchive{});
    const TensorArchive loaded = ppl::load_archive(path);
    CHECK(loaded.metadata == json::object());
    CHECK(loaded.tensors.empty());
  }
  SUBCASE("saving over an archive replaces it") {
    TensorArchive other;
    other.metadata["other"] = true;
    other.tensors["x"] = torch::ones({2});
    ppl::save_archive(path, other);
    check_same(ppl::load_archive(path), other);
    CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
  }
}

TEST_CASE("the file is magic, index length and CRC32, the JSON index, then the tensors' bytes") {
  TempDir dir;
  const auto path = dir / "sample.ppl";
  const TensorArchive saved = sample_archive();
  ppl::save_archive(path, saved);
  const std::string bytes = file_text(path);
  CHECK(bytes.substr(0, 8) == "PPLARCv2");
  const Parts parts = parts_of(bytes);
  CHECK(little_endian(bytes, 16, 4) ==
        crc32_of(bytes.substr(kHeaderSize, parts.data_start - kHeaderSize)));
  CHECK(parts.index.at("metadata") == saved.metadata);
  const std::map<torch::ScalarType, std::string> dtype_names{
      {torch::kFloat, "float32"},     {torch::kDouble, "float64"}, {torch::kHalf, "float16"},
      {torch::kBFloat16, "bfloat16"}, {torch::kLong, "int64"},     {torch::kInt, "int32"},
      {torch::kShort, "int16"},       {torch::kChar, "int8"},      {torch::kByte, "uint8"},
      {torch::kBool, "bool"}};
  std::string data;
  for (const auto& entry : parts.index.at("tensors")) {
    const std::string name = entry.at("name");
    CAPTURE(name);
    const torch::Tensor& tensor = saved.tensors.at(name);
    const std::string expected = bytes_of(tensor);
    CHECK(entry.at("dtype") == dtype_names.at(tensor.scalar_type()));
    CHECK(entry.at("shape") == json(tensor.sizes().vec()));
    CHECK(entry.at("offset") == data.size());
    CHECK(entry.at("bytes") == expected.size());
    CHECK(entry.at("crc32") == crc32_of(expected));
    data += expected;
  }
  CHECK(parts.index.at("tensors").size() == saved.tensors.size());
  CHECK(parts.data == data);
}

TEST_CASE("tensor(name, source) is the tensor, or an error naming the name and the source") {
  TensorArchive archive;
  archive.tensors["loc"] = torch::zeros({2});
  CHECK(&archive.tensor("loc", "/runs/a.ppl") == &archive.tensors.at("loc"));
  CHECK_THROWS_AS(archive.tensor("scale", "/runs/a.ppl"), std::runtime_error);
  const std::string message = what_of([&] { archive.tensor("scale", "/runs/a.ppl"); });
  CHECK_MESSAGE(contains(message, "/runs/a.ppl"), message);
  CHECK_MESSAGE(contains(message, "'scale'"), message);
}

TEST_CASE("an archive cut short anywhere is an error naming the file and the part cut") {
  TempDir dir;
  const auto path = dir / "cut.ppl";
  const std::string version_2 = sample_file(dir);
  const Parts parts = parts_of(version_2);
  for (const std::string& bytes : {version_2, as_version_1(version_2)}) {
    const size_t header_size = bytes[7] == '1' ? kVersion1HeaderSize : kHeaderSize;
    const size_t data_start = bytes.size() - parts.data.size();
    for (size_t length = 0; length < bytes.size(); ++length) {
      CAPTURE(bytes[7]);
      CAPTURE(length);
      write_bytes(path, bytes.substr(0, length));
      const std::string message = load_error(path);
      if (length < header_size) {
        CHECK_MESSAGE(contains(message, "truncated: " + std::to_string(length) +
                                            " bytes, shorter than the header"),
                      message);
      } else if (length < data_start) {
        CHECK_MESSAGE(contains(message, "truncated: the header gives an index of"), message);
      } else {
        const std::string cut = first_tensor_cut(parts.index, length - data_start);
        CHECK_MESSAGE(contains(message, "truncated or corrupt: tensor '" + cut + "' needs"),
                      message);
      }
    }
  }
}

TEST_CASE("a flipped bit in the index or in a tensor fails the checksum of the part it is in") {
  TempDir dir;
  const auto path = dir / "flipped.ppl";
  const std::string good = sample_file(dir);
  const Parts parts = parts_of(good);
  // Every byte of the index and of its stored checksum, then every byte of tensor data.
  for (size_t at = 16; at < good.size(); ++at) {
    CAPTURE(at);
    std::string bytes = good;
    bytes[at] = static_cast<char>(bytes[at] ^ (1 << (at % 8)));
    write_bytes(path, bytes);
    const std::string message = load_error(path);
    if (at < parts.data_start) {
      CHECK_MESSAGE(contains(message, "corrupt: the index does not match its checksum"), message);
    } else {
      const std::string name = first_tensor_cut(parts.index, at - parts.data_start);
      CHECK_MESSAGE(contains(message, "corrupt: tensor '" + name + "' does not match its checksum"),
                    message);
    }
  }
}

TEST_CASE("foreign files, unknown versions, trailing bytes, a directory and a missing file") {
  TempDir dir;
  const std::string good = sample_file(dir);
  const auto error_for = [&](const std::string& name, const std::string& bytes) {
    write_bytes(dir / name, bytes);
    INFO("file ", name);
    return load_error(dir / name);
  };

  CHECK(contains(error_for("magic", "PPLARCx2" + good.substr(8)),
                 "wrong magic bytes (expected PPLARCv2)"));
  CHECK(contains(error_for("text", "a text file, long enough to hold a header\n"),
                 "wrong magic bytes"));
  const std::vector<char> pickle = torch::pickle_save(torch::ones({3}));
  CHECK(contains(error_for("pickle", std::string(pickle.begin(), pickle.end())),
                 "wrong magic bytes"));
  std::string newer = good;
  newer[7] = '3';
  CHECK(contains(error_for("newer", newer),
                 "unknown format version (byte 0x33); this build reads versions 1 and 2"));
  CHECK(contains(error_for("trailing", good + "xyz"), "3 bytes after the last tensor"));
  std::string noise(4096, '\0');
  for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 7919 + 13) % 251);
  error_for("noise", noise);
  fs::create_directory(dir.path / "a_directory");
  load_error(dir / "a_directory");
  CHECK(contains(load_error(dir / "missing"),
                 "cannot open '" + (dir / "missing") + "': No such file or directory"));
}

TEST_CASE("an index that does not describe the data is an error naming the file and the tensor") {
  TempDir dir;
  const auto path = dir / "index.ppl";
  const std::string data(8, '\0');
  const json entry = {{"name", "w"}, {"dtype", "float32"}, {"shape", {2}},
                      {"offset", 0}, {"bytes", 8},         {"crc32", crc32_of(data)}};
  const auto error_for = [&](const std::string& index, const std::string& payload) {
    INFO("index ", index);
    write_bytes(path, archive_file('2', index, payload));
    return load_error(path);
  };
  const auto with = [&](const std::string& key, const json& value) {
    json changed = entry;
    changed[key] = value;
    return json{{"metadata", json::object()}, {"tensors", json::array({changed})}}.dump();
  };
  write_bytes(path, archive_file('2', with("name", "w"), data));  // the unchanged index loads
  CHECK(torch::equal(ppl::load_archive(path).tensor("w", path), torch::zeros({2})));

  CHECK(contains(error_for("not json", ""), "bad index"));
  CHECK(contains(error_for(R"({"metadata":{}})", ""), "bad index"));
  CHECK(contains(error_for(with("shape", "two"), data), "bad index"));
  CHECK(contains(
      error_for(json{{"metadata", json::object()}, {"tensors", json::array({entry, entry})}}.dump(),
                data + data),
      "tensor 'w' appears twice"));
  CHECK(contains(error_for(with("dtype", "complex64"), data), "tensor 'w' has an unknown dtype"));
  CHECK(contains(error_for(with("shape", {-2}), data), "tensor 'w' has an impossible shape"));
  CHECK(contains(error_for(with("shape", {int64_t{1} << 32, int64_t{1} << 31}), data),
                 "tensor 'w' has an impossible shape"));
  CHECK(contains(error_for(with("shape", {0, int64_t{1} << 62}), data),
                 "tensor 'w' has an impossible shape"));
  CHECK(contains(error_for(with("shape", {3}), data), "tensor 'w' needs 12 bytes at offset 0"));
  CHECK(contains(error_for(with("offset", 4), data), "truncated or corrupt: tensor 'w'"));
  CHECK(contains(error_for(with("bytes", 4), data), "truncated or corrupt: tensor 'w'"));
}

TEST_CASE("saving what the format cannot hold is an error that leaves the previous file") {
  TempDir dir;
  const auto path = dir / "sample.ppl";
  const TensorArchive saved = sample_archive();
  ppl::save_archive(path, saved);
  TensorArchive complex;
  complex.tensors["z"] = torch::zeros({2}, torch::kComplexFloat);
  const std::string message = what_of([&] { ppl::save_archive(path, complex); });
  CHECK_MESSAGE(contains(message, "cannot save tensors of dtype ComplexFloat"), message);
  CHECK_THROWS_AS(ppl::save_archive(path, complex), std::invalid_argument);
  check_same(ppl::load_archive(path), saved);
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);

  const auto nowhere = dir / "missing_directory/sample.ppl";
  CHECK_THROWS_AS(ppl::save_archive(nowhere, saved), std::runtime_error);
  CHECK(contains(what_of([&] { ppl::save_archive(nowhere, saved); }), nowhere));
}

TEST_CASE("version 1 archives (no checksums) still load") {
  TempDir dir;
  const auto path = dir / "v1.ppl";
  const std::string version_1 = as_version_1(sample_file(dir));
  REQUIRE(version_1.substr(0, 8) == "PPLARCv1");
  REQUIRE_FALSE(contains(version_1, "crc32"));
  write_bytes(path, version_1);
  check_same(ppl::load_archive(path), sample_archive());
}

TEST_CASE("fuzz: mutated archives load, or fail with a std::runtime_error naming the file") {
  TempDir dir;
  const auto path = dir / "fuzzed.ppl";
  const std::string version_2 = sample_file(dir), version_1 = as_version_1(version_2);
  const Parts parts = parts_of(version_2);
  json index_1 = parts.index;
  for (auto& entry : index_1.at("tensors")) entry.erase("crc32");

  std::mt19937_64 rng(20240611);
  const int iterations = ppl::testing::fuzz_iterations(300);
  for (int i = 0; i < iterations; ++i) {
    CAPTURE(i);
    // Random edits of the bytes, or an edited index behind a valid header and checksum (so that
    // it reaches the parser), of version 2 or, a quarter of the time, version 1.
    const bool old = rng() % 4 == 0;
    const std::string bytes =
        rng() % 2 ? ppl::testing::mutate(old ? version_1 : version_2, rng)
                  : archive_file(old ? '1' : '2',
                                 ppl::testing::mutate_json(old ? index_1 : parts.index, rng).dump(),
                                 parts.data);
    write_bytes(path, bytes);
    try {
      const TensorArchive archive = ppl::load_archive(path);
      for (const auto& [name, tensor] : archive.tensors) {
        CAPTURE(name);
        CHECK(tensor.is_contiguous());
        CHECK(bytes_of(tensor).size() <= bytes.size());  // reads every byte of the tensor
      }
    } catch (const std::runtime_error& error) {
      INFO("message: ", error.what());
      CHECK(contains(error.what(), "'" + path + "'"));
    }
  }
}

}  // namespace test_tensor_archive
