#include "ppl/core/plate.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace ppl {
namespace {

/// The thread's plate dims: slot k holds the name of the plate at dim -(k + 1), "" when free.
std::vector<std::string>& allocated_dims() {
  thread_local std::vector<std::string> names;
  return names;
}

/// The first dims available to enumeration of the live EnumerationDimsReservations.
std::vector<int64_t>& enumeration_dims() {
  thread_local std::vector<int64_t> first_available_dims;
  return first_available_dims;
}

void check_not_enumeration_dim(const std::string& name, int64_t dim) {
  for (int64_t first_available_dim : enumeration_dims()) {
    if (dim > first_available_dim) continue;
    throw std::invalid_argument(fmt::format(
        "plate '{}' at dim {} collides with parallel enumeration, which puts enumerated values "
        "at dim {} and leftwards (max_plate_nesting {}); set max_plate_nesting to at least {} "
        "(TraceEnum_ELBO, MCMC), or first_available_dim to {} (infer_discrete)",
        name, dim, first_available_dim, -first_available_dim - 1, -dim, dim - 1));
  }
}

int64_t allocate_dim(const std::string& name, std::optional<int64_t> requested) {
  auto& names = allocated_dims();
  if (std::find(names.begin(), names.end(), name) != names.end())
    throw std::invalid_argument(
        fmt::format("duplicate plate '{}': a plate of that name is already active", name));
  int64_t dim = -1;
  if (requested) {
    dim = *requested;
    if (dim >= 0)
      throw std::invalid_argument(fmt::format(
          "plate '{}': dim must be negative (counted from the right), got {}", name, dim));
  } else {
    while (static_cast<size_t>(-dim) <= names.size() && !names[-dim - 1].empty()) --dim;
  }
  if (names.size() < static_cast<size_t>(-dim)) names.resize(-dim);
  std::string& slot = names[-dim - 1];
  if (!slot.empty()) {
    throw std::invalid_argument(fmt::format(
        "plates '{}' and '{}' collide at dim={}; try moving one of them left, e.g. dim={}", name,
        slot, dim, dim - 1));
  }
  check_not_enumeration_dim(name, dim);
  slot = name;
  return dim;
}

void free_dim(int64_t dim) {
  auto& names = allocated_dims();
  names[-dim - 1].clear();
  while (!names.empty() && names.back().empty()) names.pop_back();
}

/// The distribution of a plate's subsample indices: a uniform random subset. Its log-prob is
/// zero; the site exists so that replaying a guide trace gives the model the same indices.
class Subsample : public dist::DistributionBase<Subsample> {
 public:
  Subsample(int64_t size, int64_t subsample_size, torch::Device device)
      : DistributionBase({}, {subsample_size}, false), size_(size), device_(device) {}
  std::string name() const override { return "Subsample"; }
  torch::Tensor sample(const dist::Shape&, c10::optional<at::Generator> generator) const override {
    auto options = torch::TensorOptions().dtype(torch::kLong).device(device_);
    return torch::randperm(size_, generator, options).slice(0, 0, event_shape_[0]);
  }
  torch::Tensor log_prob(const torch::Tensor& value) const override {
    return torch::zeros({}, torch::TensorOptions().device(value.device()));
  }
  constraints::ConstraintPtr support() const override {
    return constraints::independent(constraints::integer_interval(0, size_ - 1), 1);
  }
  dist::DistributionPtr expand_ptr(const dist::Shape& batch_shape) const override {
    if (!batch_shape.empty()) throw std::invalid_argument("Subsample cannot be expanded");
    return clone();
  }

 private:
  int64_t size_;
  torch::Device device_;
};

/// The plate's frame, checked, with its dim allocated (std::invalid_argument naming the plate).
PlateFrame make_frame(std::string name, int64_t size, const PlateOptions& options) {
  if (size < 0)
    throw std::invalid_argument(fmt::format("plate '{}': size must be >= 0, got {}", name, size));
  const int64_t subsample_size = options.subsample_size().value_or(size);
  if (subsample_size < 0 || subsample_size > size) {
    throw std::invalid_argument(fmt::format("plate '{}': subsample_size must be in [0, {}], got {}",
                                            name, size, subsample_size));
  }
  const int64_t dim = allocate_dim(name, options.dim());
  return PlateFrame{std::move(name), dim, subsample_size, size, 0};
}

}  // namespace

EnumerationDimsReservation::EnumerationDimsReservation(int64_t first_available_dim)
    : first_available_dim_(first_available_dim) {
  const auto& names = allocated_dims();
  enumeration_dims().push_back(first_available_dim);
  try {
    for (size_t k = names.size(); k-- > 0;)
      if (!names[k].empty()) check_not_enumeration_dim(names[k], -static_cast<int64_t>(k) - 1);
  } catch (...) {
    enumeration_dims().pop_back();
    throw;
  }
}

EnumerationDimsReservation::~EnumerationDimsReservation() {
  auto& dims = enumeration_dims();
  dims.erase(std::find(dims.rbegin(), dims.rend(), first_available_dim_).base() - 1);
}

void broadcast_to_plates(Message& msg) {
  if (msg.type != MessageType::sample || msg.done) return;
  const dist::Shape& actual = msg.fn->batch_shape();
  constexpr int64_t kFree = -1;
  dist::Shape target(actual);
  for (auto& size : target)
    if (size == 1) size = kFree;
  for (const PlateFrame& frame : msg.cond_indep_stack) {
    if (!frame.dim) continue;
    const auto needed = static_cast<size_t>(-*frame.dim);
    if (target.size() < needed) target.insert(target.begin(), needed - target.size(), kFree);
    int64_t& slot = target[target.size() - needed];
    if (slot != kFree && slot != frame.size) {
      throw std::invalid_argument(fmt::format(
          "shape mismatch inside plate('{}') at site '{}' dim {}: plate size {} but the "
          "distribution's batch_shape {} has {}",
          frame.name, msg.name, *frame.dim, frame.size, dist::shape_str(actual), slot));
    }
    slot = frame.size;
  }
  const size_t offset = target.size() - actual.size();
  for (size_t i = 0; i < target.size(); ++i)
    if (target[i] == kFree) target[i] = i >= offset ? actual[i - offset] : 1;
  if (target != actual) msg.fn = msg.fn->expand_ptr(target);
}

plate::plate(std::string name, int64_t size, PlateOptions options)
    : frame_(make_frame(std::move(name), size, options)), device_(options.device()) {
  if (frame_.size < frame_.full_size) {
    // A site of its own, outside this plate (it is not scaled), so that replaying a guide trace
    // gives the model the same indices.
    Message msg;
    msg.name = frame_.name;
    msg.fn = std::make_shared<Subsample>(frame_.full_size, frame_.size, device_);
    msg.type = MessageType::subsample;
    try {
      apply_stack(msg);
    } catch (...) {
      free_dim(*frame_.dim);
      throw;
    }
    indices_ = msg.value;
  }
}

plate::plate(std::string name, int64_t size, int64_t dim)
    : plate(std::move(name), size, PlateOptions().dim(dim)) {}

plate::~plate() {
  exit();
  free_dim(*frame_.dim);
}

const torch::Tensor& plate::indices() const {
  if (!indices_.defined())
    indices_ =
        torch::arange(frame_.full_size, torch::TensorOptions().dtype(torch::kLong).device(device_));
  return indices_;
}

void plate::process_message(Message& msg) {
  if (msg.type == MessageType::subsample && msg.name == frame_.name)
    return;  // its own indices, drawn outside it
  msg.cond_indep_stack.insert(msg.cond_indep_stack.begin(), frame_);
  if (frame_.size != frame_.full_size && frame_.size > 0)
    msg.scale *= static_cast<double>(frame_.full_size) / static_cast<double>(frame_.size);
  broadcast_to_plates(msg);
}

std::unique_ptr<Messenger> plate_range::step(int64_t index) const {
  struct Iteration : Messenger {
    PlateFrame frame;
    explicit Iteration(PlateFrame f) : frame(std::move(f)) {}
    void process_message(Message& msg) override {
      msg.cond_indep_stack.insert(msg.cond_indep_stack.begin(), frame);
    }
  };
  return std::make_unique<Iteration>(PlateFrame{name_, std::nullopt, size(), size(), index});
}

}  // namespace ppl
