// IDX reading (raw and gzipped, and every way a file can be malformed), load_mnist and
// MnistBatches, on small files that the tests write themselves (no real MNIST needed).

#include <doctest/doctest.h>
#include <torch/torch.h>
#include <zlib.h>

#include "examples/common/idx.h"
#include "examples/common/mnist.h"
#include "tests/support.h"

#include <unistd.h>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_mnist_data {

namespace fs = std::filesystem;
using ppl::examples::IdxExpect;
using ppl::examples::MnistBatches;
using ppl::examples::MnistSplit;
using ppl::examples::read_idx_images;
using ppl::examples::read_idx_labels;
using ppl::testing::contains;
using ppl::testing::TempDir;

namespace {

using Bytes = std::string;

void put_big_endian(Bytes& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

/// An IDX file: magic, sizes, payload.
Bytes idx_file(uint32_t magic, const std::vector<uint32_t>& sizes, const Bytes& payload) {
  Bytes out;
  put_big_endian(out, magic);
  for (uint32_t size : sizes) put_big_endian(out, size);
  return out + payload;
}

/// Bytes of `count` images of rows x cols: pixel k of image i is (37 * i + 11 * k + 5) mod 256.
Bytes image_payload(int count, int rows, int cols) {
  Bytes out;
  for (int i = 0; i < count; ++i)
    for (int k = 0; k < rows * cols; ++k)
      out.push_back(static_cast<char>((37 * i + 11 * k + 5) % 256));
  return out;
}

Bytes images_file(int count, int rows, int cols) {
  return idx_file(0x00000803, {uint32_t(count), uint32_t(rows), uint32_t(cols)},
                  image_payload(count, rows, cols));
}

Bytes labels_file(int count) {
  Bytes payload;
  for (int i = 0; i < count; ++i) payload.push_back(static_cast<char>(i % 10));
  return idx_file(0x00000801, {uint32_t(count)}, payload);
}

Bytes random_bytes(size_t size, uint32_t seed) {
  std::mt19937 engine(seed);
  Bytes out(size, '\0');
  for (char& byte : out) byte = static_cast<char>(engine() & 0xFF);
  return out;
}

void write_raw(const std::string& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

void write_gz(const std::string& path, const Bytes& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  REQUIRE(file != nullptr);
  if (!bytes.empty())
    REQUIRE(gzwrite(file, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  REQUIRE(gzclose(file) == Z_OK);
}

Bytes read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// The gzip compression of `bytes`, as a file would hold it.
Bytes gzipped(const Bytes& bytes) {
  TempDir dir;
  write_gz(dir / "x.gz", bytes);
  return read_raw(dir / "x.gz");
}

/// The message of the std::runtime_error that `read` throws (fails the test if none is thrown).
std::string error_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  FAIL("no std::runtime_error thrown");
  return "";
}

/// The expected tensor for image_payload(count, rows, cols).
torch::Tensor expected_images(int count, int rows, int cols) {
  const Bytes payload = image_payload(count, rows, cols);
  return torch::from_blob(const_cast<char*>(payload.data()), {count, rows, cols}, torch::kUInt8)
      .clone();
}

}  // namespace

TEST_CASE("read_idx_images and read_idx_labels read raw and gzipped files exactly") {
  TempDir dir;
  const torch::Tensor images = expected_images(5, 3, 4);
  const torch::Tensor labels = torch::tensor({0, 1, 2, 3, 4}, torch::kUInt8);
  write_raw(dir / "images", images_file(5, 3, 4));
  write_gz(dir / "images.gz", images_file(5, 3, 4));
  write_raw(dir / "labels", labels_file(5));
  write_gz(dir / "labels.gz", labels_file(5));

  for (const std::string name : {"images", "images.gz"}) {
    CAPTURE(name);
    const torch::Tensor read = read_idx_images(dir / name);
    CHECK(read.dtype() == torch::kUInt8);
    CHECK(read.sizes().vec() == std::vector<int64_t>{5, 3, 4});
    CHECK(torch::equal(read, images));
    CHECK(torch::equal(read_idx_images(dir / name, IdxExpect{5, 3, 4}), images));
    CHECK(torch::equal(read_idx_images(dir / name, IdxExpect{-1, 3, -1}), images));
  }
  for (const std::string name : {"labels", "labels.gz"}) {
    CAPTURE(name);
    const torch::Tensor read = read_idx_labels(dir / name, IdxExpect{5});
    CHECK(read.dtype() == torch::kUInt8);
    CHECK(read.sizes().vec() == std::vector<int64_t>{5});
    CHECK(torch::equal(read, labels));
  }

  SUBCASE("a file with no images is valid") {
    write_raw(dir / "none", images_file(0, 28, 28));
    CHECK(read_idx_images(dir / "none").sizes().vec() == std::vector<int64_t>{0, 28, 28});
  }
  SUBCASE("a gzipped file larger than zlib's buffers, of incompressible bytes") {
    const Bytes payload = random_bytes(700 * 28 * 28, 7);
    write_gz(dir / "big.gz", idx_file(0x00000803, {700, 28, 28}, payload));
    const torch::Tensor read = read_idx_images(dir / "big.gz");
    REQUIRE(read.sizes().vec() == std::vector<int64_t>{700, 28, 28});
    CHECK(std::memcmp(read.data_ptr<uint8_t>(), payload.data(), payload.size()) == 0);
  }
}

TEST_CASE("read_idx rejects malformed files with a message naming the file") {
  TempDir dir;
  const Bytes good = images_file(5, 3, 4);
  const Bytes good_gz = gzipped(good);
  const auto images_error = [&](const std::string& name, const Bytes& bytes,
                                const IdxExpect& expect = {}) {
    write_raw(dir / name, bytes);
    INFO("reading ", name);
    const std::string message = error_of([&] { read_idx_images(dir / name, expect); });
    CHECK_MESSAGE(contains(message, name), message);
    return message;
  };

  SUBCASE("wrong magic") {
    const std::string message =
        images_error("bad_magic", idx_file(0x12345678, {5, 3, 4}, image_payload(5, 3, 4)));
    CHECK_MESSAGE(contains(message, "expected magic 0x00000803 (images), found 0x12345678"),
                  message);
    CHECK(contains(images_error("bad_magic.gz",
                                gzipped(idx_file(0x12345678, {5, 3, 4}, image_payload(5, 3, 4)))),
                   "found 0x12345678"));
  }
  SUBCASE("wrong data type byte") {
    const std::string message =
        images_error("bad_type", idx_file(0x00000D03, {5, 3, 4}, image_payload(5, 3, 4)));
    CHECK_MESSAGE(contains(message, "data type 0x08"), message);
    CHECK_MESSAGE(contains(message, "0x0d (float)"), message);
  }
  SUBCASE("a labels file read as images, and an images file read as labels") {
    CHECK(contains(images_error("labels_file", labels_file(5)), "labels"));
    CHECK(contains(images_error("labels_file.gz", gzipped(labels_file(5))), "labels"));
    write_raw(dir / "images_file", good);
    const std::string message = error_of([&] { read_idx_labels(dir / "images_file"); });
    CHECK_MESSAGE(contains(message, "images_file"), message);
    CHECK_MESSAGE(contains(message, "0x00000801"), message);
  }
  SUBCASE("truncated payload, raw and gzipped") {
    const Bytes cut = good.substr(0, good.size() - 7);
    const std::string message = images_error("cut", cut);
    CHECK_MESSAGE(contains(message,
                           "truncated: header says 5 images of 3x4 (60 bytes) but found "
                           "53 bytes"),
                  message);
    CHECK(contains(images_error("cut.gz", gzipped(cut)), "truncated"));
  }
  SUBCASE("truncated header") {
    CHECK(contains(images_error("short_header", good.substr(0, 10)), "truncated header"));
    CHECK(contains(images_error("three_bytes", good.substr(0, 3)), "truncated header"));
    CHECK(
        contains(images_error("short_header.gz", gzipped(good.substr(0, 10))), "truncated header"));
    CHECK(contains(images_error("empty.gz", gzipped("")), "empty"));
  }
  SUBCASE("truncated gzip stream") {
    CHECK(contains(images_error("half.gz", good_gz.substr(0, good_gz.size() / 2)), "truncated"));
    // All the data decompresses but the CRC and length trailer is missing.
    images_error("no_trailer.gz", good_gz.substr(0, good_gz.size() - 8));
    images_error("magic_only.gz", good_gz.substr(0, 2));
  }
  SUBCASE("trailing bytes, raw and gzipped") {
    const Bytes longer = good + "xyz";
    CHECK(contains(images_error("long", longer), "trailing bytes"));
    CHECK(contains(images_error("long", longer), "63 bytes"));
    CHECK(contains(images_error("long.gz", gzipped(longer)), "trailing bytes"));
  }
  SUBCASE("sizes other than the expected ones") {
    CHECK(contains(images_error("count", good, IdxExpect{6}), "expected 6 images, found 5"));
    CHECK(contains(images_error("rows", good, IdxExpect{-1, 28, 28}),
                   "expected images of 28x28, found 3x4"));
    CHECK(contains(images_error("cols", good, IdxExpect{5, 3, 5}), "found 3x4"));
    CHECK(contains(images_error("count.gz", good_gz, IdxExpect{6}), "expected 6 images, found 5"));
    CHECK(contains(images_error("rows.gz", good_gz, IdxExpect{-1, 28, 28}), "found 3x4"));
    write_raw(dir / "labels_count", labels_file(5));
    const std::string message =
        error_of([&] { read_idx_labels(dir / "labels_count", IdxExpect{4}); });
    CHECK_MESSAGE(contains(message, "labels_count: expected 4 labels, found 5"), message);
  }
  SUBCASE("corrupt gzip stream") {
    // Compressible data (Huffman-coded blocks) and random data (stored blocks, caught by the CRC).
    const Bytes random_gz = gzipped(idx_file(0x00000803, {50, 28, 28}, random_bytes(50 * 784, 3)));
    for (const Bytes& original : {good_gz, random_gz, gzipped(images_file(50, 28, 28))}) {
      for (size_t flips : {1, 2, 8}) {
        Bytes corrupt = original;
        const size_t middle = corrupt.size() / 2;
        for (size_t k = 0; k < flips; ++k) corrupt[middle + k] = char(corrupt[middle + k] ^ 0x5A);
        images_error("corrupt.gz", corrupt);
      }
    }
  }
  SUBCASE("random bytes, empty file, missing file, a directory") {
    images_error("random", random_bytes(1000, 11));
    images_error("random.gz", Bytes("\x1f\x8b", 2) + random_bytes(1000, 12));
    CHECK(contains(images_error("empty", ""), "empty"));
    const std::string missing = error_of([&] { read_idx_images(dir / "missing-file"); });
    CHECK_MESSAGE(contains(missing, "missing-file"), missing);
    CHECK_MESSAGE(contains(missing, "scripts/fetch_mnist"), missing);
    fs::create_directory(dir.path / "a_directory");
    const std::string directory = error_of([&] { read_idx_images(dir / "a_directory"); });
    CHECK_MESSAGE(contains(directory, "a_directory"), directory);
  }
  SUBCASE("a gzip file far smaller than its header claims is rejected before allocating") {
    // 60000 images of 2000x2000: 240 GB that a 100-byte gzip file cannot hold.
    const std::string message =
        images_error("claims_240GB.gz", gzipped(idx_file(0x00000803, {60000, 2000, 2000}, "ab")));
    CHECK_MESSAGE(contains(message,
                           "truncated: header says 60000 images of 2000x2000 "
                           "(240000000000 bytes) but a gzip file of"),
                  message);
  }
  SUBCASE("a header whose sizes overflow") {
    images_error("huge", idx_file(0x00000803, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, "abc"));
    images_error("huge.gz",
                 gzipped(idx_file(0x00000803, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}, "abc")));
  }
}

TEST_CASE("load_mnist finds raw or gzipped files and checks that they agree") {
  TempDir dir;
  write_gz(dir / "train-images-idx3-ubyte.gz", images_file(7, 28, 28));
  write_raw(dir / "train-labels-idx1-ubyte", labels_file(7));
  const MnistSplit train = ppl::examples::load_mnist(dir.path.string(), true);
  CHECK(torch::equal(train.images, expected_images(7, 28, 28)));
  CHECK(torch::equal(train.labels, torch::tensor({0, 1, 2, 3, 4, 5, 6}, torch::kUInt8)));

  SUBCASE("raw preferred over gzipped") {
    write_raw(dir / "train-images-idx3-ubyte", images_file(7, 28, 28));
    write_raw(dir / "train-images-idx3-ubyte.gz", "not gzip at all");
    CHECK(ppl::examples::load_mnist(dir.path.string(), true).images.size(0) == 7);
  }
  SUBCASE("a missing file suggests scripts/fetch_mnist") {
    const std::string message =
        error_of([&] { ppl::examples::load_mnist(dir.path.string(), false); });
    CHECK_MESSAGE(contains(message, "t10k-images-idx3-ubyte"), message);
    CHECK_MESSAGE(contains(message, "scripts/fetch_mnist"), message);
  }
  SUBCASE("images and labels that differ in count") {
    write_raw(dir / "t10k-images-idx3-ubyte", images_file(3, 28, 28));
    write_gz(dir / "t10k-labels-idx1-ubyte.gz", labels_file(4));
    const std::string message =
        error_of([&] { ppl::examples::load_mnist(dir.path.string(), false); });
    CHECK_MESSAGE(contains(message, "t10k-images-idx3-ubyte has 3 images"), message);
    CHECK_MESSAGE(contains(message, "t10k-labels-idx1-ubyte.gz has 4 labels"), message);
  }
  SUBCASE("images that are not 28x28, labels that are not digits") {
    write_raw(dir / "t10k-images-idx3-ubyte", images_file(3, 3, 4));
    write_raw(dir / "t10k-labels-idx1-ubyte", labels_file(3));
    CHECK(contains(error_of([&] { ppl::examples::load_mnist(dir.path.string(), false); }),
                   "expected images of 28x28, found 3x4"));
    write_raw(dir / "t10k-images-idx3-ubyte", images_file(3, 28, 28));
    write_raw(dir / "t10k-labels-idx1-ubyte", idx_file(0x00000801, {3}, "\x01\x0c\x02"));
    CHECK(contains(error_of([&] { ppl::examples::load_mnist(dir.path.string(), false); }),
                   "found 12"));
  }
}

namespace {

/// `count` images of 3x4 that include the bytes 0 and 255, with labels i mod 10.
MnistSplit small_split(int count) {
  torch::Tensor images = expected_images(count, 3, 4);
  images[0][0][0] = 0;
  images[count - 1][2][3] = 255;
  return {images, torch::arange(count, torch::kLong).remainder(10).to(torch::kUInt8)};
}

/// All indices of one epoch, batch after batch.
std::vector<int64_t> epoch_order(MnistBatches& batches, int64_t epoch) {
  batches.start_epoch(epoch);
  std::vector<int64_t> order;
  for (int64_t i = 0; i < batches.num_batches(); ++i) {
    const torch::Tensor indices = batches.indices(i);
    order.insert(order.end(), indices.data_ptr<int64_t>(),
                 indices.data_ptr<int64_t>() + indices.numel());
  }
  return order;
}

}  // namespace

TEST_CASE("MnistBatches: sizes, values and order without shuffling") {
  const MnistSplit split = small_split(10);
  MnistBatches batches(split, 4, /*shuffle=*/false, torch::kCPU, 0);
  CHECK(batches.size() == 10);
  REQUIRE(batches.num_batches() == 3);
  const torch::Tensor flat = split.images.reshape({10, 12});
  int64_t start = 0;
  for (int64_t i = 0; i < 3; ++i) {
    const int64_t length = i < 2 ? 4 : 2;
    const torch::Tensor x = batches.batch(i);
    CHECK(x.dtype() == torch::kFloat32);
    CHECK(x.device().is_cpu());
    CHECK(x.sizes().vec() == std::vector<int64_t>{length, 12});
    CHECK(x.min().item<float>() >= 0.0f);
    CHECK(x.max().item<float>() <= 1.0f);
    if (i == 0) CHECK(x.min().item<float>() == 0.0f);
    if (i == 2) CHECK(x.max().item<float>() == 1.0f);
    CHECK(torch::equal(x, flat.narrow(0, start, length).to(torch::kFloat32) / 255));
    CHECK(torch::equal(batches.indices(i), torch::arange(start, start + length, torch::kLong)));
    CHECK(torch::equal(batches.labels(i), split.labels.narrow(0, start, length).to(torch::kLong)));
    start += length;
  }
  CHECK_THROWS_AS(batches.batch(3), std::invalid_argument);
  CHECK_THROWS_AS(batches.batch(-1), std::invalid_argument);
  CHECK(epoch_order(batches, 5) == epoch_order(batches, 0));

  CHECK(MnistBatches(split, 5, false, torch::kCPU).num_batches() == 2);   // exact division
  CHECK(MnistBatches(split, 64, false, torch::kCPU).num_batches() == 1);  // one short batch
  CHECK(MnistBatches(split, 64, false, torch::kCPU).batch(0).size(0) == 10);
  CHECK_THROWS_AS(MnistBatches(split, 0, false, torch::kCPU), std::invalid_argument);
}

TEST_CASE("MnistBatches: shuffling is a per-epoch permutation fixed by (seed, epoch)") {
  const MnistSplit split = small_split(50);
  const torch::Tensor flat = split.images.reshape({50, 12});
  MnistBatches batches(split, 8, /*shuffle=*/true, torch::kCPU, /*seed=*/42);
  REQUIRE(batches.num_batches() == 7);

  std::vector<std::vector<int64_t>> orders;
  for (int64_t epoch = 0; epoch < 4; ++epoch) {
    const std::vector<int64_t> order = epoch_order(batches, epoch);
    CHECK(std::set<int64_t>(order.begin(), order.end()).size() == 50);  // each image once
    CHECK(*std::min_element(order.begin(), order.end()) == 0);
    CHECK(*std::max_element(order.begin(), order.end()) == 49);
    for (int64_t i = 0; i < batches.num_batches(); ++i) {
      const torch::Tensor indices = batches.indices(i);
      CHECK(indices.size(0) == (i < 6 ? 8 : 2));
      CHECK(
          torch::equal(batches.batch(i), flat.index_select(0, indices).to(torch::kFloat32) / 255));
      CHECK(
          torch::equal(batches.labels(i), split.labels.index_select(0, indices).to(torch::kLong)));
    }
    orders.push_back(order);
  }
  std::vector<int64_t> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(orders[0] != identity);
  CHECK(orders[0] != orders[1]);  // different across epochs
  CHECK(orders[1] != orders[2]);

  // Same (seed, epoch), same order: whether epochs ran before or not (resuming), and whatever the
  // global generator's state, which shuffling neither reads nor advances.
  torch::manual_seed(1);
  const torch::Tensor global_before = torch::rand({4});
  torch::manual_seed(1);
  MnistBatches resumed(split, 8, true, torch::kCPU, 42);
  CHECK(epoch_order(resumed, 2) == orders[2]);
  torch::manual_seed(123);
  CHECK(epoch_order(resumed, 0) == orders[0]);
  torch::manual_seed(1);
  MnistBatches(split, 8, true, torch::kCPU, 42).start_epoch(3);
  CHECK(torch::equal(torch::rand({4}), global_before));

  MnistBatches other_seed(split, 8, true, torch::kCPU, 43);
  CHECK(epoch_order(other_seed, 0) != orders[0]);
}

TEST_CASE("MnistBatches on CUDA matches the CPU") {
  if (!torch::cuda::is_available()) {
    MESSAGE("CUDA not available: skipped");
    return;
  }
  const MnistSplit split = small_split(20);
  MnistBatches cpu(split, 6, true, torch::kCPU, 9);
  MnistBatches cuda(split, 6, true, torch::kCUDA, 9);
  cpu.start_epoch(1);
  cuda.start_epoch(1);
  for (int64_t i = 0; i < cpu.num_batches(); ++i) {
    const torch::Tensor x = cuda.batch(i);
    CHECK(x.is_cuda());
    CHECK(x.dtype() == torch::kFloat32);
    CHECK(torch::equal(x.cpu(), cpu.batch(i)));
    CHECK(torch::equal(cuda.labels(i).cpu(), cpu.labels(i)));
  }
}

TEST_CASE("fuzz: mutated IDX files, raw and gzipped, read or fail with a clean error") {
  TempDir dir;
  const Bytes images = images_file(6, 5, 4), labels = labels_file(9);
  std::mt19937_64 rng(20240612);
  const int iterations = ppl::testing::fuzz_iterations(300);
  for (int i = 0; i < iterations; ++i) {
    CAPTURE(i);
    const Bytes& original = i % 2 ? images : labels;
    // Raw mutations; gzip streams mutated; valid gzip streams of mutated contents.
    Bytes bytes = ppl::testing::mutate(original, rng);
    if (i % 3 == 1) bytes = ppl::testing::mutate(gzipped(original), rng);
    if (i % 3 == 2) bytes = gzipped(bytes);
    const std::string path = dir / "fuzzed";
    write_raw(path, bytes);
    ppl::testing::check_clean_failure(path, [&] { read_idx_images(path); });
    ppl::testing::check_clean_failure(path, [&] { read_idx_labels(path, IdxExpect{9}); });
  }
}

}  // namespace test_mnist_data
