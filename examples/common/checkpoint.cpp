#include "examples/common/checkpoint.h"

#include <ppl/distributions/distribution.h>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <filesystem>
#include <stdexcept>
#include <utility>
#include <vector>

namespace ppl::examples {
namespace {

constexpr const char* kFormat = "ppl.examples.checkpoint";
constexpr int64_t kVersion = 2;  // 2: the model architecture as JSON

at::Generator generator_of(const torch::Device& device) {
  return device.is_cuda() ? at::globalContext().defaultGenerator(device)
                          : at::detail::getDefaultCPUGenerator();
}

/// Throws unless `saved` (a checkpoint's params) has exactly the params of `store` (the model's),
/// with the same shapes and constraints.
void check_same_params(const ParamStore& saved, const ParamStore& store,
                       const std::string& source) {
  for (const auto& name : saved.names()) {
    if (!store.contains(name))
      throw std::runtime_error(
          fmt::format("{}: param '{}' is not in the model (is this a checkpoint of another model?)",
                      source, name));
    const auto saved_shape = saved.unconstrained(name).sizes(),
               model_shape = store.unconstrained(name).sizes();
    if (!saved_shape.equals(model_shape))
      throw std::runtime_error(fmt::format("{}: param '{}' has shape {}, the model expects {}",
                                           source, name, dist::shape_str(saved_shape),
                                           dist::shape_str(model_shape)));
    const auto saved_constraint = saved.constraint(name)->to_string(),
               model_constraint = store.constraint(name)->to_string();
    if (saved_constraint != model_constraint)
      throw std::runtime_error(fmt::format("{}: param '{}' has constraint {}, the model expects {}",
                                           source, name, saved_constraint, model_constraint));
  }
  for (const auto& name : store.names()) {
    if (!saved.contains(name))
      throw std::runtime_error(
          fmt::format("{} has no param '{}', which the model has", source, name));
  }
}

/// The generator state `name` of the checkpoint, checked against `device`'s generator.
torch::Tensor generator_state(const Checkpoint& checkpoint, const std::string& name,
                              const torch::Device& device, const std::string& source) {
  const torch::Tensor& state = checkpoint.state.tensor(name, source);
  const torch::Tensor current = generator_of(device).get_state();
  if (state.scalar_type() != current.scalar_type() || !state.sizes().equals(current.sizes()))
    throw std::runtime_error(fmt::format(
        "{}: '{}' is not a random generator state (expected {} of shape {}, found {} of shape "
        "{})",
        source, name, c10::toString(current.scalar_type()), dist::shape_str(current.sizes()),
        c10::toString(state.scalar_type()), dist::shape_str(state.sizes())));
  return state;
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& header, const ParamStore& store,
                     const optim::Optimizer& optimizer, const torch::Device& device) {
  TensorArchive archive;
  archive.metadata[kFormat] = {{"version", kVersion},
                               {"epoch", header.epoch},
                               {"model", header.model},
                               {"metrics", header.metrics}};
  store.save_to(archive, "params/");
  optimizer.save_to(archive, "optimizer/");
  for (const auto& [name, tensor] : header.state.tensors) archive.tensors[name] = tensor;
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
    checkpoint.model = header.at("model");
    checkpoint.metrics = header.at("metrics");
    if (checkpoint.epoch < 0 || !checkpoint.model.is_object())
      throw std::runtime_error(fmt::format("impossible epoch {} or model {}", checkpoint.epoch,
                                           checkpoint.model.dump()));
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot load checkpoint '{}': {}", path, e.what()));
  }
  return checkpoint;
}

void check_same_model(const Checkpoint& checkpoint, const nlohmann::json& model,
                      const std::string& path) {
  std::string differences;
  for (const auto& [key, value] : model.items()) {
    const auto saved = checkpoint.model.contains(key) ? checkpoint.model.at(key) : nlohmann::json();
    if (saved != value)
      differences += fmt::format("{}{} {} there, {} here", differences.empty() ? "" : "; ", key,
                                 saved.dump(), value.dump());
  }
  if (!differences.empty())
    throw std::runtime_error(
        fmt::format("checkpoint '{}' is for another model: {}", path, differences));
}

void restore_checkpoint(const Checkpoint& checkpoint, const std::string& path, ParamStore& store,
                        optim::Optimizer& optimizer, const torch::Device& device) {
  const std::string source = fmt::format("checkpoint '{}'", path);
  // Everything is checked before anything changes, so a bad checkpoint leaves the run as it was.
  ParamStore saved;
  saved.load_from(checkpoint.state, "params/", source);
  check_same_params(saved, store, source);
  std::vector<std::pair<at::Generator, torch::Tensor>> generators{
      {generator_of(torch::kCPU), generator_state(checkpoint, "rng/cpu", torch::kCPU, source)}};
  if (device.is_cuda())
    generators.emplace_back(generator_of(device),
                            generator_state(checkpoint, "rng/cuda", device, source));
  optimizer.load_from(checkpoint.state, "optimizer/", source);  // changes nothing if it throws
  store.load_from(checkpoint.state, "params/", source);         // checked above
  for (auto& [generator, state] : generators) generator.set_state(state);
}

void restore_generator(const ResumedRun& resumed, const std::string& name,
                       at::Generator& generator) {
  const auto saved = resumed.state.tensors.find(name);
  if (saved != resumed.state.tensors.end()) generator.set_state(saved->second);
}

ResumedRun resume_from_checkpoint(const std::string& path, const nlohmann::json& model,
                                  int64_t epochs, ParamStore& store, optim::Optimizer& optimizer,
                                  const torch::Device& device, std::ostream& log) {
  if (!std::filesystem::exists(path)) {
    fmt::print(log, "no checkpoint at {}: starting from scratch\n", path);
    return {};
  }
  Checkpoint c = load_checkpoint(path);
  check_same_model(c, model, path);
  ResumedRun resumed{c.epoch, {}, {}};
  try {
    resumed.history = history_from_json(c.metrics);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(
        fmt::format("checkpoint '{}' has unreadable metrics: {}", path, e.what()));
  }
  restore_checkpoint(c, path, store, optimizer, device);
  resumed.state = std::move(c.state);
  fmt::print(log, "resuming after epoch {} from {}\n", c.epoch, path);
  if (c.epoch >= epochs)
    fmt::print(log, "the checkpoint has {} epochs (--epochs {}): nothing to train\n", c.epoch,
               epochs);
  return resumed;
}

}  // namespace ppl::examples
