#pragma once
// The examples' training checkpoint: everything needed to continue a run exactly where it
// stopped, in one file written atomically after every epoch.

#include "examples/common/epoch_metrics.h"

#include <ATen/core/Generator.h>
#include <ppl/io/tensor_archive.h>
#include <ppl/optim/optimizer.h>
#include <ppl/params/param_store.h>

#include <ostream>
#include <string>
#include <vector>

namespace ppl::examples {

struct Checkpoint {
  int64_t epoch = 0;                                 ///< epochs completed
  nlohmann::json model = nlohmann::json::object();   ///< the architecture, checked on resume
  nlohmann::json metrics = nlohmann::json::array();  ///< the run's metrics so far
  /// Params, optimizer state and random generator states, filled by load; what it holds when
  /// saved is written too (the generator states of the other ranks of a data-parallel run).
  TensorArchive state;
};

/// Writes `header`'s fields with the parameters, the optimizer state and the states of the CPU
/// generator (and `device`'s, when it is a CUDA device) to `path` atomically: a crash leaves the
/// previous checkpoint intact.
void save_checkpoint(const std::string& path, const Checkpoint& header, const ParamStore& store,
                     const optim::Optimizer& optimizer, const torch::Device& device);

/// Reads a checkpoint; std::runtime_error naming `path` if it is missing, truncated, corrupt or
/// not a checkpoint of the examples.
Checkpoint load_checkpoint(const std::string& path);

/// Throws std::runtime_error naming `path` and every differing key ("z_dim 4 there, 7 here")
/// unless the checkpoint's model description equals `model`.
void check_same_model(const Checkpoint& checkpoint, const nlohmann::json& model,
                      const std::string& path);

/// Puts a loaded checkpoint's parameters, optimizer state and generator states in place. The
/// checkpoint must hold exactly the params of `store` (the model's), with their shapes and
/// constraints; on any mismatch std::runtime_error names `path`, the param and what differs, and
/// nothing is changed. Optimizer state for params the optimizer has not seen yet is checked when
/// they first reach it.
void restore_checkpoint(const Checkpoint& checkpoint, const std::string& path, ParamStore& store,
                        optim::Optimizer& optimizer, const torch::Device& device);

/// Where a resumed run stands: the epochs completed, their metrics, and everything the
/// checkpoint holds (for the states a program saves of its own, such as other generators).
struct ResumedRun {
  int64_t epoch = 0;
  std::vector<EpochMetrics> history;
  TensorArchive state;
};

/// The key of the evaluation generator's state (training_loop.h's evaluation_generator) in a
/// checkpoint: a single process's, or rank 0's.
inline constexpr const char* kEvaluationGeneratorState = "rng/evaluation";

/// Sets `generator` to the state `name` that the resumed checkpoint holds; leaves it as it is when
/// there is none (a checkpoint written before the program saved that generator, or none at all).
void restore_generator(const ResumedRun& resumed, const std::string& name,
                       at::Generator& generator);

/// A training run's `--resume`: when `path` exists, loads it, checks that it is for `model`,
/// puts its state in place (restore_checkpoint) and returns where it stopped, saying on `log`
/// where it resumes (and that nothing is left to train when it has `epochs` already); when it
/// does not, says so and returns epoch 0. std::runtime_error naming `path` on any mismatch.
ResumedRun resume_from_checkpoint(const std::string& path, const nlohmann::json& model,
                                  int64_t epochs, ParamStore& store, optim::Optimizer& optimizer,
                                  const torch::Device& device, std::ostream& log);

}  // namespace ppl::examples
