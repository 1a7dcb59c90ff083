#include "examples/common/epoch_metrics.h"

#include "examples/common/figure.h"

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

std::string write_epoch_figures(const std::string& out_dir,
                                const std::vector<EpochMetrics>& history) {
  LineSeries train{"train", {}, {}}, test{"test", {}, {}}, log_likelihood{"test", {}, {}};
  for (const auto& m : history) {
    const auto epoch = static_cast<double>(m.epoch);
    train.x.push_back(epoch);
    train.y.push_back(-m.train_loss);
    if (m.test_loss) {
      test.x.push_back(epoch);
      test.y.push_back(-*m.test_loss);
    }
    if (m.test_log_likelihood) {
      log_likelihood.x.push_back(epoch);
      log_likelihood.y.push_back(*m.test_log_likelihood);
    }
  }
  LineFigure elbo;
  elbo.series = {train, test};
  elbo.title = "ELBO per image";
  elbo.x_label = "epoch";
  elbo.y_label = "ELBO";
  std::string hint = save_line_figure(out_dir, "elbo", elbo).hint;
  if (!log_likelihood.x.empty()) {
    LineFigure figure;
    figure.series = {log_likelihood};
    figure.title = "log p(x) per image, importance sampled";
    figure.x_label = "epoch";
    figure.y_label = "log p(x)";
    const auto files = save_line_figure(out_dir, "loglik", figure);
    if (hint.empty()) hint = files.hint;
  }
  return hint;
}

}  // namespace ppl::examples
