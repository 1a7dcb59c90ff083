#include "examples/vae_mnist/processes.h"

#ifdef PPL_HAVE_DISTRIBUTED
#include <ppl/distributed.h>
#endif

#include <ATen/CPUGeneratorImpl.h>

#include <fmt/format.h>

#include <cstdlib>
#include <stdexcept>

namespace ppl::examples {

#ifdef PPL_HAVE_DISTRIBUTED

struct Processes::Group {
  std::shared_ptr<distributed::ProcessGroup> processes;
  std::shared_ptr<distributed::DataParallel> data_parallel;
};

Processes::Processes(torch::Device& device) {
  if (!distributed::launched_with_environment()) return;
  auto options = distributed::options_from_environment();
  if (device.is_cuda() && !device.has_index())
    device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(options.local_rank()));
  group_ = std::make_unique<Group>();
  group_->processes = std::make_shared<distributed::ProcessGroup>(options.device(device));
}

int64_t Processes::rank() const {
  return group_ ? group_->processes->rank() : 0;
}

int64_t Processes::world_size() const {
  return group_ ? group_->processes->world_size() : 1;
}

double Processes::sum(double value, const std::string& what) const {
  if (!group_) return value;
  std::vector<torch::Tensor> sum{torch::tensor({value}, torch::kFloat64)};
  group_->processes->allreduce_sum(sum, what);
  return sum[0].item<double>();
}

std::shared_ptr<infer::StepReducer> Processes::step_reducer() {
  if (!group_) return nullptr;
  group_->data_parallel = std::make_shared<distributed::DataParallel>(group_->processes);
  return group_->data_parallel;
}

std::pair<double, int64_t> Processes::averaging_time() const {
  if (!group_ || !group_->data_parallel) return {0.0, 0};
  const auto& stats = group_->data_parallel->stats();
  return {stats.reduce_seconds, stats.steps};
}

void Processes::add_rank_generators(Checkpoint& checkpoint, const at::Generator& evaluation) const {
  if (!group_) return;
  for (auto [name, generator] : {std::pair{"cpu", at::detail::getDefaultCPUGenerator()},
                                 std::pair{"evaluation", evaluation}}) {
    const auto states = group_->processes->allgather(
        generator.get_state(), fmt::format("the {} generator states for the checkpoint", name));
    for (int64_t r = 1; r < world_size(); ++r)
      checkpoint.state.tensors[fmt::format("rng/rank{}/{}", r, name)] = states[r];
  }
}

#else  // built without ppl::distributed: always one process

struct Processes::Group {};

Processes::Processes(torch::Device&) {
  if (std::getenv("WORLD_SIZE") != nullptr)
    throw std::runtime_error(
        "WORLD_SIZE is set, so this process was started as one rank of a data-parallel run, but "
        "ppl was built without ppl::distributed (no Gloo headers, or PPL_WITH_DISTRIBUTED=OFF)");
}

int64_t Processes::rank() const {
  return 0;
}
int64_t Processes::world_size() const {
  return 1;
}
double Processes::sum(double value, const std::string&) const {
  return value;
}
std::shared_ptr<infer::StepReducer> Processes::step_reducer() {
  return nullptr;
}
std::pair<double, int64_t> Processes::averaging_time() const {
  return {0.0, 0};
}
void Processes::add_rank_generators(Checkpoint&, const at::Generator&) const {}

#endif

Processes::~Processes() = default;

}  // namespace ppl::examples
