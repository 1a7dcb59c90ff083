#include "examples/common/epoch_metrics.h"

#include "examples/common/plot.h"

namespace ppl::examples {

nlohmann::json to_json(const std::vector<EpochMetrics>& history) {
  nlohmann::json epochs = nlohmann::json::array();
  for (const auto& m : history) {
    nlohmann::json entry{
        {"epoch", m.epoch}, {"train_loss", m.train_loss}, {"train_seconds", m.train_seconds}};
    if (m.test_loss) {
      entry["test_loss"] = *m.test_loss;
      entry["test_seconds"] = m.test_seconds;
    }
    if (m.test_log_likelihood) entry["test_log_likelihood"] = *m.test_log_likelihood;
    epochs.push_back(entry);
  }
  return epochs;
}

std::vector<EpochMetrics> history_from_json(const nlohmann::json& epochs) {
  std::vector<EpochMetrics> history;
  for (const auto& entry : epochs) {
    EpochMetrics m;
    m.epoch = entry.at("epoch").get<int64_t>();
    m.train_loss = entry.at("train_loss").get<double>();
    m.train_seconds = entry.at("train_seconds").get<double>();
    if (entry.contains("test_loss")) {
      m.test_loss = entry.at("test_loss").get<double>();
      m.test_seconds = entry.at("test_seconds").get<double>();
    }
    if (entry.contains("test_log_likelihood"))
      m.test_log_likelihood = entry.at("test_log_likelihood").get<double>();
    history.push_back(m);
  }
  return history;
}

void write_elbo_figure(const std::string& out_dir, const std::vector<EpochMetrics>& history) {
  Series train{"train", {}, {}, Color{31, 119, 180}}, test{"test", {}, {}, Color{255, 127, 14}};
  for (const auto& m : history) {
    train.x.push_back(static_cast<double>(m.epoch));
    train.y.push_back(-m.train_loss);
    if (m.test_loss) {
      test.x.push_back(static_cast<double>(m.epoch));
      test.y.push_back(-*m.test_loss);
    }
  }
  PlotOptions options;
  options.title = "VAE on MNIST: ELBO per image";
  options.x_label = "epoch";
  options.y_label = "ELBO";
  save_line_plot(out_dir + "/elbo.png", {train, test}, options);
}

}  // namespace ppl::examples
