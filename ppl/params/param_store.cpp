#include "ppl/params/param_store.h"

#include "ppl/distributions/transforms/biject_to.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>
#include <unordered_set>

namespace ppl {
namespace {

constexpr const char* kFileFormat = "ppl.param_store";
constexpr int64_t kFileVersion = 1;

torch::Tensor to_unconstrained(const torch::Tensor& value,
                               const constraints::ConstraintPtr& constraint) {
  torch::NoGradGuard no_grad;
  auto unconstrained =
      constraint == constraints::real
          ? value.detach().clone()
          : transforms::transform_to(constraint)->inverse(value.detach()).contiguous();
  return unconstrained.requires_grad_(true);
}

ParamStore*& current_store() {
  thread_local ParamStore* store = nullptr;
  return store;
}

}  // namespace

ParamStore::Entry::Entry(std::string name, torch::Tensor unconstrained,
                         constraints::ConstraintPtr constraint)
    : name(std::move(name)),
      unconstrained(std::move(unconstrained)),
      constraint(std::move(constraint)),
      transform(this->constraint == constraints::real
                    ? nullptr
                    : transforms::transform_to(this->constraint)) {}

torch::Tensor ParamStore::Entry::constrained() const {
  return transform ? transform->forward(unconstrained) : unconstrained;
}

void ParamStore::check_in_support(const std::string& name, const torch::Tensor& value,
                                  const constraints::ConstraintPtr& constraint, const char* what) {
  if (!value.defined())
    throw std::invalid_argument(fmt::format("param '{}': undefined {}", name, what));
  if (constraint == constraints::real) return;
  const torch::Tensor detached = value.detach();
  const torch::Tensor satisfied = constraint->check(detached);
  if (satisfied.all().item<bool>()) return;
  throw std::invalid_argument(fmt::format("param '{}': {} not in the support {} ({})", name, what,
                                          constraint->to_string(),
                                          constraints::describe_violation(detached, satisfied)));
}

torch::Tensor ParamStore::get_param(const std::string& name,
                                    const std::function<torch::Tensor()>& init,
                                    const constraints::ConstraintPtr& constraint) {
  auto it = index_.find(name);
  if (it == index_.end()) {
    if (!init)
      throw std::out_of_range(
          fmt::format("param '{}' does not exist and has no initial value", name));
    const torch::Tensor value = init();
    check_in_support(name, value, constraint, "initial value");
    insert(name, value, constraint);
    it = index_.find(name);
  }
  const Entry& e = entries_[it->second];
  return e.constrained();
}

const ParamStore::Entry& ParamStore::entry(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end())
    throw std::out_of_range(fmt::format("param '{}' is not in the param store", name));
  return entries_[it->second];
}

torch::Tensor ParamStore::get(const std::string& name) const {
  const Entry& e = entry(name);
  return e.constrained();
}

const torch::Tensor& ParamStore::unconstrained(const std::string& name) const {
  return entry(name).unconstrained;
}

const constraints::ConstraintPtr& ParamStore::constraint(const std::string& name) const {
  return entry(name).constraint;
}

void ParamStore::set(const std::string& name, const torch::Tensor& value,
                     const constraints::ConstraintPtr& constraint) {
  check_in_support(name, value, constraint, "value");
  insert(name, value, constraint);
}

void ParamStore::insert(const std::string& name, const torch::Tensor& value,
                        const constraints::ConstraintPtr& constraint) {
  Entry e{name, to_unconstrained(value, constraint), constraint};
  auto it = index_.find(name);
  if (it != index_.end()) {
    entries_[it->second] = std::move(e);
  } else {
    index_.emplace(name, entries_.size());
    entries_.push_back(std::move(e));
  }
}

void ParamStore::bind(const std::string& name, const torch::Tensor& parameter) {
  auto it = index_.find(name);
  if (it == index_.end()) {
    index_.emplace(name, entries_.size());
    entries_.push_back(Entry{name, parameter, constraints::real});
    return;
  }
  Entry& e = entries_[it->second];
  if (e.unconstrained.unsafeGetTensorImpl() == parameter.unsafeGetTensorImpl()) return;
  // The store already holds a value (say, loaded from a file): move it into the module.
  if (e.constraint != constraints::real || !e.unconstrained.sizes().equals(parameter.sizes())) {
    throw std::invalid_argument(fmt::format(
        "param '{}': the store holds shape {} under constraint {}, the module has shape {} (real)",
        name, fmt::join(e.unconstrained.sizes(), ", "), e.constraint->to_string(),
        fmt::join(parameter.sizes(), ", ")));
  }
  {
    torch::NoGradGuard no_grad;
    parameter.copy_(e.unconstrained);
  }
  e.unconstrained = parameter;
}

void ParamStore::erase(const std::string& name) {
  auto it = index_.find(name);
  if (it == index_.end()) return;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].name, i);
}

void ParamStore::clear() {
  entries_.clear();
  index_.clear();
}

std::vector<std::string> ParamStore::names() const {
  std::vector<std::string> result;
  result.reserve(entries_.size());
  for (const auto& e : entries_) result.push_back(e.name);
  return result;
}

std::vector<std::pair<std::string, torch::Tensor>> ParamStore::named_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> result;
  result.reserve(entries_.size());
  for (const auto& e : entries_) result.emplace_back(e.name, e.unconstrained);
  return result;
}

void ParamStore::save(const std::string& path) const {
  TensorArchive archive;
  save_to(archive);
  save_archive(path, archive);
}

void ParamStore::load(const std::string& path) {
  load_from(load_archive(path), "", fmt::format("param store '{}'", path));
}

void ParamStore::save_to(TensorArchive& archive, const std::string& prefix) const {
  nlohmann::json params = nlohmann::json::array();
  for (const auto& e : entries_) {
    params.push_back({{"name", e.name}, {"constraint", e.constraint->to_string()}});
    archive.tensors[prefix + e.name] = e.unconstrained.detach();
  }
  archive.metadata[prefix + kFileFormat] = {{"version", kFileVersion}, {"params", params}};
}

void ParamStore::load_from(const TensorArchive& archive, const std::string& prefix,
                           const std::string& source) {
  // Check everything before changing anything, so a bad file leaves the store as it was.
  std::vector<Entry> loaded;
  std::unordered_set<std::string> seen;
  try {
    const auto& state = archive.metadata.at(prefix + kFileFormat);
    if (state.at("version").get<int64_t>() != kFileVersion)
      throw std::runtime_error(fmt::format("unsupported version {}", state.at("version").dump()));
    for (const auto& param : state.at("params")) {
      const auto name = param.at("name").get<std::string>();
      const auto& value = archive.tensor(prefix + name, source);
      if (!value.is_floating_point())
        throw std::runtime_error(fmt::format("param '{}' has dtype {}; expected a floating type",
                                             name, c10::toString(value.scalar_type())));
      if (!seen.insert(name).second)
        throw std::runtime_error(fmt::format("param '{}' appears twice", name));
      auto it = index_.find(name);
      if (it != index_.end() && !entries_[it->second].unconstrained.sizes().equals(value.sizes())) {
        throw std::runtime_error(
            fmt::format("param '{}' has shape ({}) in the file but ({}) here", name,
                        fmt::join(value.sizes(), ", "),
                        fmt::join(entries_[it->second].unconstrained.sizes(), ", ")));
      }
      loaded.push_back(
          Entry{name, value, constraints::parse(param.at("constraint").get<std::string>())});
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(
        fmt::format("cannot load {}: not a param store: {}", source, e.what()));
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot load {}: {}", source, e.what()));
  }
  torch::NoGradGuard no_grad;
  for (auto& e : loaded) {
    auto it = index_.find(e.name);
    if (it == index_.end()) {
      index_.emplace(e.name, entries_.size());
      entries_.push_back(Entry{e.name, e.unconstrained.clone().requires_grad_(true), e.constraint});
    } else {
      Entry& existing = entries_[it->second];
      existing.unconstrained.copy_(e.unconstrained);
      existing = Entry(existing.name, existing.unconstrained, e.constraint);
    }
  }
}

ParamStore& param_store() {
  static ParamStore global_store;
  ParamStore* scoped = current_store();
  return scoped ? *scoped : global_store;
}

ParamStoreScope::ParamStoreScope(ParamStore& store) : previous_(current_store()) {
  current_store() = &store;
}

ParamStoreScope::~ParamStoreScope() {
  current_store() = previous_;
}

}  // namespace ppl
