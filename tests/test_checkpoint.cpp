// Checkpoint files: round trip, truncated, corrupt and foreign files, restores that change
// nothing when they fail, writes interrupted by a kill, and a seeded fuzz test of the loader.
#include <doctest/doctest.h>

#include "examples/common/checkpoint.h"
#include "models/vae.h"
#include "ppl/io/file_io.h"
#include "ppl/optim/adam.h"
#include "ppl/optim/sgd.h"
#include "tests/support.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <cstdint>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using ppl::examples::Checkpoint;
using ppl::examples::load_checkpoint;
using ppl::examples::restore_checkpoint;
using ppl::examples::save_checkpoint;
using ppl::testing::contains;
using ppl::testing::TempDir;
using ppl::testing::what_of;

namespace {

/// A tutorial VAE registered in its own param store, with an Adam optimizer that has taken
/// `steps` steps on random gradients.
struct Run {
  ppl::models::VAE vae;
  ppl::ParamStore store;
  ppl::optim::Adam optimizer{ppl::optim::AdamOptions(1e-2)};

  Run(int64_t z_dim, int64_t hidden_dim, int steps, uint64_t seed)
      : vae(ppl::models::VAEOptions().z_dim(z_dim).hidden_dims({hidden_dim})) {
    torch::manual_seed(seed);
    for (auto& parameter : vae->parameters()) {
      torch::NoGradGuard no_grad;
      parameter.normal_();
    }
    ppl::ParamStoreScope scope(store);
    ppl::module("encoder", vae->encoder);
    ppl::module("decoder", vae->decoder);
    take_steps(store, optimizer, steps);
  }

  Checkpoint header(int64_t epoch) const {
    Checkpoint checkpoint;
    checkpoint.epoch = epoch;
    checkpoint.model = {{"z_dim", vae->options().z_dim()}};
    return checkpoint;
  }

  void save(const std::string& path, int64_t epoch) const {
    save_checkpoint(path, header(epoch), store, optimizer, torch::kCPU);
  }

  static void take_steps(ppl::ParamStore& store, ppl::optim::Optimizer& optimizer, int steps) {
    for (int i = 0; i < steps; ++i) {
      for (auto& [name, parameter] : store.named_parameters())
        parameter.mutable_grad() = torch::randn_like(parameter);
      optimizer.step(store.named_parameters());
    }
  }
};

/// Copies of everything a restore may change: params, optimizer state, the CPU generator.
struct Snapshot {
  std::vector<std::pair<std::string, torch::Tensor>> params;
  ppl::optim::State optimizer;
  torch::Tensor generator;

  Snapshot(const ppl::ParamStore& store, const ppl::optim::Optimizer& optimizer)
      : optimizer(optimizer.get_state()),
        generator(at::detail::getDefaultCPUGenerator().get_state()) {
    for (const auto& [name, parameter] : store.named_parameters())
      params.emplace_back(name, parameter.detach().clone());
  }

  /// Whether `store` and `optimizer` hold what `other` does (generators not compared).
  bool same_model_state(const Snapshot& other) const {
    if (params.size() != other.params.size() || optimizer.size() != other.optimizer.size())
      return false;
    for (size_t i = 0; i < params.size(); ++i)
      if (params[i].first != other.params[i].first ||
          !torch::equal(params[i].second, other.params[i].second))
        return false;
    for (const auto& [name, state] : optimizer) {
      auto it = other.optimizer.find(name);
      if (it == other.optimizer.end() || state.scalars != it->second.scalars ||
          state.tensors.size() != it->second.tensors.size())
        return false;
      for (const auto& [key, tensor] : state.tensors)
        if (!it->second.tensors.count(key) || !torch::equal(tensor, it->second.tensors.at(key)))
          return false;
    }
    return true;
  }

  bool operator==(const Snapshot& other) const {
    return same_model_state(other) && torch::equal(generator, other.generator);
  }
};

std::string as_string(const std::vector<char>& bytes) {
  return {bytes.begin(), bytes.end()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

/// The message of restoring `path` into `run`, checking that the restore changed nothing.
std::string failed_restore(const std::string& path, Run& run) {
  const Snapshot before(run.store, run.optimizer);
  const std::string message = what_of([&] {
    restore_checkpoint(load_checkpoint(path), path, run.store, run.optimizer, torch::kCPU);
  });
  CHECK_MESSAGE(contains(message, path), message);
  CHECK_MESSAGE(Snapshot(run.store, run.optimizer) == before, "a failed restore changed state");
  return message;
}

// Where the parts of a version-2 archive start.
constexpr size_t kIndexStart = 20;
size_t index_size(const std::string& bytes) {
  size_t size = 0;
  for (int i = 0; i < 8; ++i) size |= size_t{static_cast<unsigned char>(bytes[8 + i])} << (8 * i);
  return size;
}

}  // namespace

TEST_CASE("a checkpoint restores params, optimizer state and the generator exactly") {
  TempDir dir;
  const auto path = dir / "checkpoint.pt";
  Run saved(4, 32, 3, 1);
  saved.save(path, 7);
  const Snapshot expected(saved.store, saved.optimizer);

  Run resumed(4, 32, 1, 2);
  torch::randn({5});  // moves the generator away from the saved state
  CHECK_FALSE(Snapshot(resumed.store, resumed.optimizer) == expected);
  const Checkpoint checkpoint = load_checkpoint(path);
  CHECK(checkpoint.epoch == 7);
  CHECK(checkpoint.model == nlohmann::json{{"z_dim", 4}});
  restore_checkpoint(checkpoint, path, resumed.store, resumed.optimizer, torch::kCPU);
  CHECK(Snapshot(resumed.store, resumed.optimizer) == expected);
  // The modules see the restored values (they share storage with the store).
  CHECK(torch::equal(resumed.vae->decoder->named_parameters()["hidden.fc1.weight"],
                     saved.vae->decoder->named_parameters()["hidden.fc1.weight"]));
}

TEST_CASE("truncated and corrupt checkpoints are errors naming the file and what is wrong") {
  TempDir dir;
  const auto path = dir / "checkpoint.pt";
  Run saved(4, 32, 1, 1);
  saved.save(path, 1);
  const std::string good = as_string(ppl::read_file(path));
  const size_t data_start = kIndexStart + index_size(good);
  Run run(4, 32, 1, 2);
  const auto error_for = [&](const std::string& name, const std::string& bytes) {
    write_bytes(dir / name, bytes);
    INFO("file ", name);
    return failed_restore(dir / name, run);
  };

  SUBCASE("truncated in the magic bytes, the header, the index and a tensor") {
    CHECK(contains(error_for("magic", good.substr(0, 5)), "truncated: 5 bytes"));
    CHECK(contains(error_for("header", good.substr(0, 12)), "truncated: 12 bytes"));
    CHECK(contains(error_for("index", good.substr(0, kIndexStart + 30)),
                   "truncated: the header gives an index of"));
    CHECK(contains(error_for("tensor", good.substr(0, data_start + 1000)),
                   "truncated or corrupt: tensor '"));
    CHECK(contains(error_for("last_byte", good.substr(0, good.size() - 1)), "truncated"));
    CHECK(contains(error_for("empty", ""), "truncated: 0 bytes"));
  }
  SUBCASE("a flipped bit in the index or in tensor data fails a checksum") {
    std::string index_flip = good, data_flip = good, last_flip = good;
    index_flip[kIndexStart + index_size(good) / 2] ^= 0x04;
    data_flip[data_start + 100] ^= 0x01;
    last_flip.back() ^= 0x80;
    CHECK(contains(error_for("index_flip", index_flip),
                   "corrupt: the index does not match its checksum"));
    const std::string message = error_for("data_flip", data_flip);
    CHECK_MESSAGE(contains(message, "corrupt: tensor '"), message);
    CHECK_MESSAGE(contains(message, "' does not match its checksum"), message);
    CHECK(contains(error_for("last_flip", last_flip), "does not match its checksum"));
  }
  SUBCASE("wrong magic, a newer format version, trailing bytes, random bytes, a directory") {
    CHECK(contains(error_for("magic", "PPLARCx2" + good.substr(8)), "wrong magic bytes"));
    std::string newer = good;
    newer[7] = '3';
    CHECK(contains(error_for("newer", newer), "unknown format version (byte 0x33)"));
    CHECK(contains(error_for("trailing", good + "xyz"), "3 bytes after the last tensor"));
    std::string noise(4096, '\0');
    for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 7919 + 13) % 251);
    error_for("noise", noise);
    fs::create_directory(dir.path / "a_directory");
    failed_restore(dir / "a_directory", run);
    CHECK(contains(failed_restore(dir / "missing", run), "cannot open"));
  }
}

TEST_CASE("version 1 archives (no checksums) still load") {
  TempDir dir;
  const auto path = dir / "v1.pt";
  // The version-1 layout: magic, index length, index, tensor bytes.
  const std::string index =
      R"({"metadata":{"m":1},"tensors":[{"name":"w","dtype":"float32","shape":[2],)"
      R"("offset":0,"bytes":8}]})";
  std::string bytes = "PPLARCv1";
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>(index.size() >> (8 * i)));
  const float values[2] = {1.5f, -2.0f};
  bytes += index + std::string(reinterpret_cast<const char*>(values), sizeof values);
  write_bytes(path, bytes);
  const ppl::TensorArchive archive = ppl::load_archive(path);
  CHECK(archive.metadata.at("m") == 1);
  CHECK(torch::equal(archive.tensor("w", path), torch::tensor({1.5f, -2.0f})));
}

TEST_CASE("a checkpoint of another model is an error naming the param, and changes nothing") {
  TempDir dir;
  const auto path = dir / "other.pt";
  Run run(4, 32, 2, 1);

  SUBCASE("same names, other shapes") {
    Run(2, 32, 1, 2).save(path, 1);
    CHECK(contains(failed_restore(path, run),
                   "checkpoint '" + path +
                       "': param 'encoder$$$loc.weight' has shape (2, 32), the model expects "
                       "(4, 32)"));
  }
  SUBCASE("other names") {
    ppl::ParamStore store;
    store.set("loc", torch::zeros({3}));
    ppl::optim::Adam optimizer;
    Run::take_steps(store, optimizer, 1);
    save_checkpoint(path, run.header(1), store, optimizer, torch::kCPU);
    CHECK(contains(failed_restore(path, run), "param 'loc' is not in the model"));
  }
  SUBCASE("a param of the model missing") {
    ppl::ParamStore store;
    ppl::models::VAE vae(ppl::models::VAEOptions().z_dim(4).hidden_dims({32}));
    {
      ppl::ParamStoreScope scope(store);
      ppl::module("encoder", vae->encoder);
    }
    ppl::optim::Adam optimizer;
    save_checkpoint(path, run.header(1), store, optimizer, torch::kCPU);
    CHECK(contains(failed_restore(path, run),
                   "checkpoint '" + path + "' has no param 'decoder$$$hidden.fc1.weight'"));
  }
  SUBCASE("a param with another constraint") {
    ppl::ParamStore store = run.store;
    store.set("decoder$$$loc.bias", torch::ones({784}), ppl::constraints::positive);
    save_checkpoint(path, run.header(1), store, run.optimizer, torch::kCPU);
    CHECK(contains(failed_restore(path, run), "has constraint positive, the model expects real"));
  }
  SUBCASE("optimizer state of another optimizer") {
    ppl::optim::SGD sgd(0.1);
    Run::take_steps(run.store, sgd, 1);
    Run other(4, 32, 1, 3);  // same model, other values: a partial restore would show
    save_checkpoint(path, other.header(1), other.store, sgd, torch::kCPU);
    CHECK(contains(failed_restore(path, run), "was saved by SGD, not by Adam"));
  }
  SUBCASE("a broken generator state") {
    Run other(4, 32, 1, 3);
    other.save(path, 1);
    Checkpoint checkpoint = load_checkpoint(path);
    checkpoint.state.tensors["rng/cpu"] = torch::zeros({3}, torch::kUInt8);
    const Snapshot before(run.store, run.optimizer);
    const std::string message = what_of(
        [&] { restore_checkpoint(checkpoint, path, run.store, run.optimizer, torch::kCPU); });
    CHECK_MESSAGE(contains(message, "'rng/cpu' is not a random generator state"), message);
    CHECK(Snapshot(run.store, run.optimizer) == before);
  }
  SUBCASE("a param store file, and an archive of something else") {
    run.store.save(path);
    CHECK(contains(failed_restore(path, run), "ppl.examples.checkpoint"));
    ppl::TensorArchive archive;
    archive.metadata["ppl.examples.checkpoint"] = {{"version", 2}, {"epoch", -3}};
    ppl::save_archive(path, archive);
    CHECK(contains(failed_restore(path, run), "cannot load checkpoint"));
  }
}

namespace {

int interrupted_writer_pipe = -1;

/// SIGXFSZ handler of the writer child: reports that it is stopped midway, then waits for the
/// parent's SIGKILL.
void report_and_wait(int) {
  const char byte = 'w';
  if (::write(interrupted_writer_pipe, &byte, 1) == 1) ::pause();
  ::_exit(3);
}

}  // namespace

TEST_CASE("a checkpoint write killed midway leaves the previous checkpoint intact") {
  TempDir dir;
  const auto path = dir / "checkpoint.pt";
  Run first(4, 32, 2, 1);
  first.save(path, 1);
  const std::vector<char> previous = ppl::read_file(path);
  Run larger(4, 400, 1, 2);  // a checkpoint of about 7 MB

  // The child writes the larger checkpoint over `path`. It may write 1 MiB: the next write raises
  // SIGXFSZ, whose handler tells the parent, which then kills the child with SIGKILL.
  constexpr rlim_t kWriteLimit = 1 << 20;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    interrupted_writer_pipe = ready[1];
    const rlimit no_core{0, 0}, write_limit{kWriteLimit, kWriteLimit};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::signal(SIGXFSZ, report_and_wait);
    ::setrlimit(RLIMIT_FSIZE, &write_limit);
    try {
      larger.save(path, 2);
    } catch (...) {
    }
    ::_exit(4);  // the write was not interrupted
  }
  ::close(ready[1]);
  char byte = 0;
  const bool stopped_midway = ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(stopped_midway);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);

  // The partial write is in the child's temporary, which is not a valid archive; the checkpoint
  // is the previous one, byte for byte, and restores.
  const std::string temporary = path + ".tmp." + std::to_string(child);
  REQUIRE(fs::exists(temporary));
  CHECK(fs::file_size(temporary) == kWriteLimit);
  CHECK(contains(what_of([&] { ppl::load_archive(temporary); }), "truncated"));
  CHECK(ppl::read_file(path) == previous);
  Run resumed(4, 32, 1, 3);
  const Checkpoint checkpoint = load_checkpoint(path);
  CHECK(checkpoint.epoch == 1);
  restore_checkpoint(checkpoint, path, resumed.store, resumed.optimizer, torch::kCPU);
  CHECK(Snapshot(resumed.store, resumed.optimizer)
            .same_model_state(Snapshot(first.store, first.optimizer)));

  // The next write replaces the checkpoint; the stale temporary is left alone.
  larger.save(path, 2);
  CHECK(load_checkpoint(path).epoch == 2);
  CHECK(fs::exists(temporary));
}

TEST_CASE("fuzz: mutated checkpoints load, or fail with a clean error naming the file") {
  TempDir dir;
  const auto valid = dir / "valid.pt";
  ppl::ParamStore store;
  store.set("loc", torch::randn({3}));
  store.set("scale", torch::rand({2, 2}) + 0.5, ppl::constraints::positive);
  ppl::optim::Adam optimizer;
  Run::take_steps(store, optimizer, 2);
  Checkpoint header;
  header.epoch = 2;
  header.model = {{"z_dim", 1}};
  header.metrics = nlohmann::json::array({{{"epoch", 1}, {"train_loss", 3.5}}});
  save_checkpoint(valid, header, store, optimizer, torch::kCPU);
  const std::string good = as_string(ppl::read_file(valid));
  const nlohmann::json good_index =
      nlohmann::json::parse(good.substr(kIndexStart, index_size(good)));
  const std::string data = good.substr(kIndexStart + index_size(good));
  const auto generator = at::detail::getDefaultCPUGenerator().get_state();

  /// A file of `index` and `payload` with a correct header and index checksum, so that a
  /// mutated index reaches the parser and the loaders.
  const auto archive_bytes = [](const std::string& index, const std::string& payload) {
    std::string bytes = "PPLARCv2";
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>(index.size() >> (8 * i)));
    const auto crc = ::crc32_z(0, reinterpret_cast<const Bytef*>(index.data()), index.size());
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>(crc >> (8 * i)));
    return bytes + index + payload;
  };
  /// `index` with one value replaced by an extreme or ill-typed one, or removed.
  const auto mutate_index = [](nlohmann::json index, std::mt19937_64& rng) {
    const auto leaves = index.flatten();
    auto leaf = leaves.begin();
    std::advance(leaf, static_cast<long>(rng() % leaves.size()));
    const nlohmann::json::json_pointer pointer(leaf.key());
    const nlohmann::json replacements[] = {0,
                                           -1,
                                           1,
                                           7,
                                           4294967296LL,
                                           INT64_MAX,
                                           UINT64_MAX,
                                           1e300,
                                           -0.5,
                                           "x",
                                           "",
                                           nullptr,
                                           true,
                                           nlohmann::json::array(),
                                           nlohmann::json::object(),
                                           nlohmann::json::array({1, 2})};
    const size_t choice = rng() % (std::size(replacements) + 1);
    if (choice < std::size(replacements)) {
      index[pointer] = replacements[choice];
    } else {
      auto& parent = index[pointer.parent_pointer()];
      if (parent.is_object()) parent.erase(pointer.back());
      if (parent.is_array()) parent.erase(std::stoul(pointer.back()));
    }
    return index;
  };

  std::mt19937_64 rng(20240611);
  const int iterations = ppl::testing::fuzz_iterations(150);
  const auto path = dir / "fuzzed.pt";
  for (int i = 0; i < iterations; ++i) {
    CAPTURE(i);
    const std::string bytes = rng() % 2 ? ppl::testing::mutate(good, rng)
                                        : archive_bytes(mutate_index(good_index, rng).dump(), data);
    write_bytes(path, bytes);
    ppl::ParamStore fresh_store;
    fresh_store.set("loc", torch::zeros({3}));
    fresh_store.set("scale", torch::ones({2, 2}), ppl::constraints::positive);
    ppl::optim::Adam fresh_optimizer;
    ppl::testing::check_clean_failure(path, [&] {
      restore_checkpoint(load_checkpoint(path), path, fresh_store, fresh_optimizer, torch::kCPU);
      Run::take_steps(fresh_store, fresh_optimizer, 1);  // checks optimizer state not yet seen
    });
  }
  at::Generator cpu_generator = at::detail::getDefaultCPUGenerator();
  cpu_generator.set_state(generator);
}
