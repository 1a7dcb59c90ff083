#include "ppl/optim/optimizer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

namespace ppl::optim {

namespace {

constexpr const char* kFileFormat = "ppl.optim.state";
constexpr int64_t kFileVersion = 1;
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

std::string shape_string(c10::IntArrayRef shape) {
  return fmt::format("{}", fmt::join(shape, ", "));
}

}  // namespace

std::pair<std::string, std::string> split_param_name(const std::string& name) {
  static const std::string separator = "$$$";
  const auto at = name.find(separator);
  if (at == std::string::npos) return {"", name};
  return {name.substr(0, at), name.substr(at + separator.size())};
}

namespace detail {
void check_option(bool ok, const char* optimizer, const char* option, const char* requirement,
                  double value) {
  if (!ok) {
    throw std::invalid_argument(
        fmt::format("{}: option '{}' must be {}, got {}", optimizer, option, requirement, value));
  }
}
}  // namespace detail

// A checked state entry for a slot, ready to be swapped in.
struct Optimizer::Prepared {
  Slot* slot;
  std::vector<torch::Tensor> tensors;
  int64_t step;
  std::optional<double> lr;
};

Optimizer::~Optimizer() = default;
Optimizer::Optimizer(Optimizer&&) noexcept = default;
Optimizer& Optimizer::operator=(Optimizer&&) noexcept = default;

// The pending entries are never modified in place (`prepare` copies them), so copies share them.
Optimizer::Optimizer(const Optimizer& other)
    : slots_(copy_slots(other.slots_)), pending_(other.pending_) {}

Optimizer& Optimizer::operator=(const Optimizer& other) {
  if (this != &other) {
    slots_ = copy_slots(other.slots_);
    pending_ = other.pending_;
  }
  return *this;
}

Optimizer::Slots Optimizer::copy_slots(const Slots& slots) {
  torch::NoGradGuard no_grad;
  Slots copies;
  for (const auto& [name, slot] : slots) {
    auto copy = slot->clone();
    for (auto& tensor : copy->tensors)
      if (tensor.defined()) tensor = tensor.clone();
    copies.emplace(name, std::move(copy));
  }
  return copies;
}

void Optimizer::rethrow_for_param(const std::invalid_argument& error, const std::string& name) {
  throw std::invalid_argument(fmt::format("{} (for param '{}')", error.what(), name));
}

void Optimizer::step(const NamedParameters& params) {
  torch::NoGradGuard no_grad;
  // First find (or create) every slot and check the shapes, so an error changes nothing.
  step_slots_.clear();
  for (const auto& [name, param] : params) {
    if (!param.defined())
      throw std::invalid_argument(fmt::format("{}: param '{}' is undefined", type_name(), name));
    auto it = slots_.find(name);
    Slot& s = it != slots_.end() ? *it->second : add_slot(name, param);
    if (!param.sizes().equals(s.shape)) {
      throw std::runtime_error(
          fmt::format("{}: param '{}' has shape ({}) but its optimizer state has ({})", type_name(),
                      name, shape_string(param.sizes()), shape_string(s.shape)));
    }
    step_slots_.push_back(&s);
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const torch::Tensor& param = params[i].second;
    const torch::Tensor& grad = param.grad();
    if (grad.defined()) update_slot(*step_slots_[i], param, grad);
  }
}

Optimizer::Slot& Optimizer::add_slot(const std::string& name, const torch::Tensor& param) {
  std::unique_ptr<Slot> created = make_slot(name, param);
  created->required.resize(created->tensors.size());
  for (size_t i = 0; i < created->tensors.size(); ++i)
    created->required[i] = created->tensors[i].defined();
  auto pending = pending_.find(name);
  if (pending != pending_.end()) {
    Prepared prepared = prepare(name, *created, pending->second.state, pending->second.source);
    created->tensors = std::move(prepared.tensors);
    created->step = prepared.step;
    if (prepared.lr) slot_lr(*created) = *prepared.lr;
    pending_.erase(pending);
  }
  return *slots_.emplace(name, std::move(created)).first->second;
}

Optimizer::Slot& Optimizer::slot(const std::string& name) const {
  auto it = slots_.find(name);
  if (it == slots_.end()) {
    throw std::out_of_range(
        fmt::format("{}: param '{}' has not been passed to step", type_name(), name));
  }
  return *it->second;
}

std::vector<std::string> Optimizer::names() const {
  std::vector<std::string> result;
  result.reserve(slots_.size());
  for (const auto& item : slots_) result.push_back(item.first);
  std::sort(result.begin(), result.end());
  return result;
}

double Optimizer::lr(const std::string& name) const {
  return slot_lr(slot(name));
}

void Optimizer::set_lr(const std::string& name, double lr) {
  detail::check_option(lr >= 0, type_name(), "lr", "non-negative", lr);
  slot_lr(slot(name)) = lr;
}

ParamState Optimizer::state_of(Slot& slot, bool copy) const {
  ParamState state;
  const auto& keys = tensor_names();
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!slot.tensors[i].defined()) continue;
    auto tensor = slot.tensors[i].detach();
    state.tensors.emplace(keys[i], copy ? tensor.clone() : tensor);
  }
  state.scalars.emplace("step", static_cast<double>(slot.step));
  state.scalars.emplace("lr", slot_lr(slot));
  return state;
}

State Optimizer::get_state() const {
  return state(/*copy=*/true);
}

State Optimizer::state(bool copy) const {
  State state;
  for (const auto& [name, slot] : slots_) state.emplace(name, state_of(*slot, copy));
  for (const auto& [name, pending] : pending_) {
    ParamState entry;
    entry.scalars = pending.state.scalars;
    for (const auto& [key, tensor] : pending.state.tensors)
      entry.tensors.emplace(key, copy ? tensor.detach().clone() : tensor.detach());
    state.emplace(name, std::move(entry));
  }
  return state;
}

Optimizer::Prepared Optimizer::prepare(const std::string& name, Slot& slot, const ParamState& state,
                                       const std::string& source) const {
  const auto& keys = tensor_names();
  Prepared prepared{&slot, std::vector<torch::Tensor>(keys.size()), 0, std::nullopt};
  for (size_t i = 0; i < keys.size(); ++i) {
    auto found = state.tensors.find(keys[i]);
    if (found == state.tensors.end() || !found->second.defined()) {
      if (slot.required[i])
        throw std::runtime_error(fmt::format("{}: param '{}' has no {}", source, name, keys[i]));
      continue;
    }
    const torch::Tensor& value = found->second;
    if (!value.sizes().equals(slot.shape)) {
      throw std::runtime_error(
          fmt::format("{}: param '{}' has {} of shape ({}) but the parameter has ({})", source,
                      name, keys[i], shape_string(value.sizes()), shape_string(slot.shape)));
    }
    prepared.tensors[i] =
        value.detach().to(slot.tensor_options, /*non_blocking=*/false, /*copy=*/true);
  }
  auto step = state.scalars.find("step");
  if (step == state.scalars.end())
    throw std::runtime_error(fmt::format("{}: param '{}' has no step", source, name));
  prepared.step = static_cast<int64_t>(step->second);
  auto lr = state.scalars.find("lr");
  if (lr != state.scalars.end()) prepared.lr = lr->second;
  return prepared;
}

void Optimizer::merge(const State& state, const std::string& source) {
  // Checks that need no parameter, for every entry, before anything changes.
  const auto& keys = tensor_names();
  for (const auto& [name, entry] : state) {
    for (const auto& item : entry.tensors) {
      if (std::find(keys.begin(), keys.end(), item.first) == keys.end()) {
        throw std::runtime_error(fmt::format("{}: param '{}' has {}, which {} does not keep ({})",
                                             source, name, item.first, type_name(),
                                             fmt::join(keys, ", ")));
      }
    }
    for (const auto& [key, value] : entry.scalars) {
      if (key != "step" && key != "lr") {
        throw std::runtime_error(
            fmt::format("{}: param '{}' has scalar '{}'; expected step and lr", source, name, key));
      }
      // A step is converted to int64_t: it must be an integer that a double holds exactly.
      const bool is_step = key == "step";
      const bool is_integer = value == std::floor(value) && value <= kMaxExactInteger;
      if (!(value >= 0 && std::isfinite(value) && (!is_step || is_integer))) {
        throw std::runtime_error(fmt::format("{}: param '{}' has {} {}; expected a non-negative {}",
                                             source, name, key, value,
                                             is_step ? "integer up to 2^53" : "number"));
      }
    }
    if (!entry.scalars.count("step"))
      throw std::runtime_error(fmt::format("{}: param '{}' has no step", source, name));
  }
  std::vector<Prepared> prepared;
  for (const auto& [name, entry] : state) {
    auto it = slots_.find(name);
    if (it != slots_.end()) prepared.push_back(prepare(name, *it->second, entry, source));
  }
  for (auto& p : prepared) {
    p.slot->tensors = std::move(p.tensors);
    p.slot->step = p.step;
    if (p.lr) slot_lr(*p.slot) = *p.lr;
  }
  for (const auto& [name, entry] : state) {
    if (slots_.count(name)) continue;
    Pending pending{ParamState{{}, entry.scalars}, source};
    for (const auto& [key, tensor] : entry.tensors) {
      if (tensor.defined()) pending.state.tensors.emplace(key, tensor.detach().clone());
    }
    pending_.insert_or_assign(name, std::move(pending));
  }
}

void Optimizer::set_state(const State& state) {
  merge(state, fmt::format("{} state", type_name()));
}

void Optimizer::save(const std::string& path) const {
  TensorArchive archive;
  save_to(archive);
  save_archive(path, archive);
}

void Optimizer::load(const std::string& path) {
  load_from(load_archive(path), "", fmt::format("optimizer state '{}'", path));
}

void Optimizer::save_to(TensorArchive& archive, const std::string& prefix) const {
  nlohmann::json params = nlohmann::json::object();
  // Written before the optimizer runs again, so the state needs no copy.
  for (const auto& [name, entry] : state(/*copy=*/false)) {
    nlohmann::json tensors = nlohmann::json::object();
    for (const auto& [key, tensor] : entry.tensors) {
      const std::string archive_name = fmt::format("{}{}/{}", prefix, name, key);
      archive.tensors[archive_name] = tensor;
      tensors[key] = archive_name;
    }
    params[name] = {{"tensors", tensors}, {"scalars", entry.scalars}};
  }
  archive.metadata[prefix + kFileFormat] = {
      {"version", kFileVersion}, {"optimizer", type_name()}, {"params", params}};
}

void Optimizer::load_from(const TensorArchive& archive, const std::string& prefix,
                          const std::string& source) {
  State state;
  std::string saved_by;
  try {
    const auto& saved = archive.metadata.at(prefix + kFileFormat);
    if (saved.at("version").get<int64_t>() != kFileVersion) {
      throw std::runtime_error(
          fmt::format("unsupported version (this build reads version {})", kFileVersion));
    }
    saved_by = saved.at("optimizer").get<std::string>();
    for (const auto& [name, entry] : saved.at("params").items()) {
      ParamState& param_state = state[name];
      for (const auto& [key, archive_name] : entry.at("tensors").items())
        param_state.tensors.emplace(key, archive.tensor(archive_name.get<std::string>(), source));
      for (const auto& [key, value] : entry.at("scalars").items())
        param_state.scalars.emplace(key, value.get<double>());
    }
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error(
        fmt::format("cannot load {}: not an optimizer state: {}", source, error.what()));
  } catch (const std::exception& error) {
    throw std::runtime_error(fmt::format("cannot load {}: {}", source, error.what()));
  }
  if (saved_by != type_name()) {
    throw std::runtime_error(
        fmt::format("{} was saved by {}, not by {}", source, saved_by, type_name()));
  }
  merge(state, source);
}

}  // namespace ppl::optim
