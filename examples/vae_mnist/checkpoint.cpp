#include "examples/vae_mnist/checkpoint.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::examples {
namespace {

constexpr const char* kFormat = "ppl.vae_mnist.checkpoint";
constexpr int64_t kVersion = 1;

at::Generator generator_of(const torch::Device& device) {
  return device.is_cuda() ? at::globalContext().defaultGenerator(device)
                          : at::detail::getDefaultCPUGenerator();
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& header, const ParamStore& store,
                     const optim::Optimizer& optimizer, const torch::Device& device) {
  TensorArchive archive;
  archive.metadata[kFormat] = {{"version", kVersion},
                               {"epoch", header.epoch},
                               {"z_dim", header.z_dim},
                               {"hidden_dim", header.hidden_dim},
                               {"metrics", header.metrics}};
  store.save_to(archive, "params/");
  optimizer.save_to(archive, "optimizer/");
  archive.tensors["rng/cpu"] = generator_of(torch::kCPU).get_state();
  if (device.is_cuda()) archive.tensors["rng/cuda"] = generator_of(device).get_state();
  save_archive(path, archive);
}

Checkpoint load_checkpoint(const std::string& path) {
  Checkpoint checkpoint;
  checkpoint.state = load_archive(path);
  try {
    const auto& header = checkpoint.state.metadata.at(kFormat);
    if (header.at("version").get<int64_t>() != kVersion)
      throw std::runtime_error(
          fmt::format("version {}, this program reads {}", header.at("version").dump(), kVersion));
    checkpoint.epoch = header.at("epoch").get<int64_t>();
    checkpoint.z_dim = header.at("z_dim").get<int64_t>();
    checkpoint.hidden_dim = header.at("hidden_dim").get<int64_t>();
    checkpoint.metrics = header.at("metrics");
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(fmt::format("'{}' is not a vae_mnist checkpoint: {}", path, e.what()));
  }
  return checkpoint;
}

void restore_checkpoint(const Checkpoint& checkpoint, const std::string& path, ParamStore& store,
                        optim::Optimizer& optimizer, const torch::Device& device) {
  const std::string source = fmt::format("checkpoint '{}'", path);
  store.load_from(checkpoint.state, "params/", source);
  optimizer.load_from(checkpoint.state, "optimizer/", source);
  generator_of(torch::kCPU).set_state(checkpoint.state.tensor("rng/cpu", source));
  if (device.is_cuda()) generator_of(device).set_state(checkpoint.state.tensor("rng/cuda", source));
}

}  // namespace ppl::examples
