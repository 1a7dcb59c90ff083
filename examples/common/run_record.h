#pragma once
// What a training run keeps in its output directory: metrics.json, the epoch figures and the
// checkpoint it resumes from.

#include "examples/common/checkpoint.h"
#include "examples/common/epoch_metrics.h"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace ppl::examples {

/// A run's files in its output directory, written after every epoch and read back to resume.
class RunRecord {
 public:
  /// The record in `out_dir` of a run with `options` (metrics.json's "options") of the model
  /// `model` (its architecture, which a checkpoint must match to be resumed).
  RunRecord(std::string out_dir, nlohmann::json options, nlohmann::json model);

  const std::string& checkpoint_path() const { return checkpoint_path_; }

  /// resume_from_checkpoint from checkpoint_path() for this record's model.
  ResumedRun resume(int64_t epochs, ParamStore& store, optim::Optimizer& optimizer,
                    const torch::Device& device, std::ostream& log) const;

  /// The checkpoint after the last epoch of `history`, its state still empty.
  Checkpoint checkpoint(const std::vector<EpochMetrics>& history) const;

  /// metrics.json: the options, every epoch's metrics and the entries of `evaluations` (results
  /// after training).
  void write_metrics(const std::vector<EpochMetrics>& history,
                     const nlohmann::json& evaluations = nlohmann::json::object()) const;

  /// What is kept after each epoch: metrics.json, the figures (write_epoch_figures; how to render
  /// them by hand without gnuplot is said on `log` once a run) and `checkpoint`.
  void write_epoch(const std::vector<EpochMetrics>& history, const Checkpoint& checkpoint,
                   const ParamStore& store, const optim::Optimizer& optimizer,
                   const torch::Device& device, std::ostream& log);

 private:
  std::string out_dir_, checkpoint_path_;
  nlohmann::json options_, model_;
  bool hint_printed_ = false;
};

}  // namespace ppl::examples
