// The examples' checkpoints (examples/common/checkpoint.h): what they add to the tensor archive
// (whose file format, errors and fuzz test are in test_tensor_archive.cpp, atomic writes in
// test_file_io.cpp). Params, optimizer state and the generator are restored exactly; a checkpoint
// of another model, or a file that is no checkpoint, is an error naming the file and the param
// that differs, and changes nothing; a seeded fuzz test of checkpoints whose content (metadata and
// tensors, in valid archives) is mutated: each restores, or fails naming the file and changing
// nothing.
#include <doctest/doctest.h>

#include "examples/common/checkpoint.h"
#include "models/vae.h"
#include "ppl/optim/adam.h"
#include "ppl/optim/sgd.h"
#include "tests/support.h"

#include <cstdint>
#include <random>

namespace test_checkpoint {

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

/// `archive` with one change to its content: a metadata value changed or removed (see
/// mutate_json), or one tensor removed, flattened, shortened, converted to another dtype, replaced
/// by a 0-dim tensor or copied under another name.
ppl::TensorArchive mutate_content(ppl::TensorArchive archive, std::mt19937_64& rng) {
  if (rng() % 3 == 0) {
    archive.metadata = ppl::testing::mutate_json(archive.metadata, rng);
    return archive;
  }
  auto it = archive.tensors.begin();
  std::advance(it, static_cast<long>(rng() % archive.tensors.size()));
  torch::Tensor& tensor = it->second;
  const torch::ScalarType dtypes[] = {torch::kDouble, torch::kFloat, torch::kLong, torch::kByte,
                                      torch::kBool};
  switch (rng() % 6) {
    case 0:
      archive.tensors.erase(it);
      break;
    case 1:
      tensor = tensor.flatten();
      break;
    case 2:
      tensor = tensor.flatten().narrow(0, 0, std::max<int64_t>(tensor.numel() - 1, 0));
      break;
    case 3:
      tensor = tensor.to(dtypes[rng() % std::size(dtypes)]);
      break;
    case 4:
      tensor = torch::tensor(1.0);
      break;
    default:
      archive.tensors[it->first + "x"] = tensor.clone();
  }
  return archive;
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

TEST_CASE(
    "fuzz: checkpoints of mutated content restore, or fail naming the file and change nothing") {
  TempDir dir;
  const auto valid = dir / "valid.pt", path = dir / "fuzzed.pt";
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
  const ppl::TensorArchive good = ppl::load_archive(valid);
  const auto generator = at::detail::getDefaultCPUGenerator().get_state();

  std::mt19937_64 rng(20240611);
  const int iterations = ppl::testing::fuzz_iterations(150);
  for (int i = 0; i < iterations; ++i) {
    CAPTURE(i);
    ppl::save_archive(path, mutate_content(good, rng));
    ppl::ParamStore fresh_store;
    fresh_store.set("loc", torch::zeros({3}));
    fresh_store.set("scale", torch::ones({2, 2}), ppl::constraints::positive);
    ppl::optim::Adam fresh_optimizer;
    const Snapshot before(fresh_store, fresh_optimizer);
    bool restored = false;
    try {
      restore_checkpoint(load_checkpoint(path), path, fresh_store, fresh_optimizer, torch::kCPU);
      restored = true;
      Run::take_steps(fresh_store, fresh_optimizer, 1);  // checks optimizer state not yet seen
    } catch (const std::exception& error) {
      INFO("message: ", error.what());
      CHECK(contains(error.what(), path));
      if (!restored) CHECK(Snapshot(fresh_store, fresh_optimizer) == before);
    }
  }
  at::Generator cpu_generator = at::detail::getDefaultCPUGenerator();
  cpu_generator.set_state(generator);
}

}  // namespace test_checkpoint
