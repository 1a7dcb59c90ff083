#pragma once
// The per-epoch record of a training run: what metrics.json and the checkpoint keep, and the
// figures drawn from it.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ppl::examples {

/// One epoch's figures, as written to metrics.json.
struct EpochMetrics {
  int64_t epoch = 0;
  double train_loss = 0;            ///< summed -ELBO over the training set / its size
  std::optional<double> test_loss;  ///< the same on the test set, at test epochs
  double train_seconds = 0;
  double test_seconds = 0;
  std::optional<double> test_log_likelihood;  ///< importance-sampled log p(x), when estimated
};

nlohmann::json to_json(const std::vector<EpochMetrics>& history);
/// The inverse of to_json; nlohmann::json::exception on a missing or mistyped field.
std::vector<EpochMetrics> history_from_json(const nlohmann::json& epochs);

/// Writes to `out_dir`, through gnuplot (figure.h), Figure 3 of the tutorial (elbo.png: train
/// and test ELBO, = -loss, against epoch) and, when the history has log-likelihood estimates,
/// loglik.png. Returns how to render them by hand when gnuplot is missing, else "".
std::string write_epoch_figures(const std::string& out_dir,
                                const std::vector<EpochMetrics>& history);

}  // namespace ppl::examples
