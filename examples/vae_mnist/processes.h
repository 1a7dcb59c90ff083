#pragma once
// The processes of a training run: this one alone or, when a launcher (scripts/launch, torchrun)
// started it as one rank of a data-parallel run, every rank (through ppl::distributed).

#include "examples/common/checkpoint.h"

#include <ppl/infer/step_reducer.h>

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace ppl::examples {

class Processes {
 public:
  /// This process alone, unless torchrun's variables (RANK, WORLD_SIZE, ...) are set: then it
  /// joins the other ranks, and a CUDA `device` without an index becomes the LOCAL_RANK-th GPU.
  /// Those variables in a build without ppl::distributed are a std::runtime_error.
  explicit Processes(torch::Device& device);
  ~Processes();

  int64_t rank() const;
  int64_t world_size() const;
  /// The sum over the processes of each one's `value` (`what` names it in errors).
  double sum(double value, const std::string& what) const;
  /// What makes an SVI average its losses and gradients over the processes (`set_reducer`);
  /// null for one process.
  std::shared_ptr<infer::StepReducer> step_reducer();
  /// Seconds spent averaging gradients by the step reducer, and the steps it averaged.
  std::pair<double, int64_t> averaging_time() const;
  /// Adds the states of ranks 1..'s CPU generator and `evaluation` generator to the checkpoint
  /// that rank 0 writes ("rng/rankR/cpu", "rng/rankR/evaluation"; every rank calls it), so that
  /// a run resumed on as many processes continues each rank's streams.
  void add_rank_generators(Checkpoint& checkpoint, const at::Generator& evaluation) const;

 private:
  struct Group;  // the process group and its DataParallel
  std::unique_ptr<Group> group_;
};

}  // namespace ppl::examples
