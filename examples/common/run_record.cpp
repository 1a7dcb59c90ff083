#include "examples/common/run_record.h"

#include <ppl/io/file_io.h>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <utility>

namespace ppl::examples {

RunRecord::RunRecord(std::string out_dir, nlohmann::json options, nlohmann::json model)
    : out_dir_(std::move(out_dir)),
      checkpoint_path_(out_dir_ + "/checkpoint.pt"),
      options_(std::move(options)),
      model_(std::move(model)) {}

ResumedRun RunRecord::resume(int64_t epochs, ParamStore& store, optim::Optimizer& optimizer,
                             const torch::Device& device, std::ostream& log) const {
  return resume_from_checkpoint(checkpoint_path_, model_, epochs, store, optimizer, device, log);
}

Checkpoint RunRecord::checkpoint(const std::vector<EpochMetrics>& history) const {
  return {history.back().epoch, model_, to_json(history), {}};
}

void RunRecord::write_metrics(const std::vector<EpochMetrics>& history,
                              const nlohmann::json& evaluations) const {
  nlohmann::json metrics{{"options", options_}, {"epochs", to_json(history)}};
  metrics.update(evaluations);
  const std::string text = metrics.dump(2) + "\n";
  write_file_atomically(out_dir_ + "/metrics.json", std::vector<char>(text.begin(), text.end()));
}

void RunRecord::write_epoch(const std::vector<EpochMetrics>& history, const Checkpoint& checkpoint,
                            const ParamStore& store, const optim::Optimizer& optimizer,
                            const torch::Device& device, std::ostream& log) {
  write_metrics(history);
  const std::string hint = write_epoch_figures(out_dir_, history);
  if (!hint.empty() && !hint_printed_) fmt::print(log, "{}\n", hint);
  hint_printed_ = hint_printed_ || !hint.empty();
  save_checkpoint(checkpoint_path_, checkpoint, store, optimizer, device);
}

}  // namespace ppl::examples
