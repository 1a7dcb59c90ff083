#include "examples/vae_mnist/training.h"

#include "examples/common/image_grid.h"
#include "examples/common/mnist.h"
#include "examples/common/plot.h"
#include "examples/common/png.h"
#include "examples/common/progress.h"
#include "examples/vae_mnist/checkpoint.h"
#include "models/vae.h"

#include <ppl/ppl.h>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>

namespace ppl::examples {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Json to_json(const TrainingOptions& o) {
  return Json{{"epochs", o.epochs},
              {"batch_size", o.batch_size},
              {"lr", o.lr},
              {"z_dim", o.z_dim},
              {"hidden_dim", o.hidden_dim},
              {"test_frequency", o.test_frequency},
              {"elbo", o.elbo},
              {"seed", o.seed},
              {"device", o.device},
              {"threads", o.threads}};
}

Json to_json(const std::vector<EpochMetrics>& history) {
  Json epochs = Json::array();
  for (const auto& m : history) {
    Json entry{
        {"epoch", m.epoch}, {"train_loss", m.train_loss}, {"train_seconds", m.train_seconds}};
    if (m.test_loss) {
      entry["test_loss"] = *m.test_loss;
      entry["test_seconds"] = m.test_seconds;
    }
    epochs.push_back(entry);
  }
  return epochs;
}

std::vector<EpochMetrics> history_from_json(const Json& epochs) {
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
    history.push_back(m);
  }
  return history;
}

Json to_json(const std::vector<IwaeMetrics>& evaluations) {
  Json entries = Json::array();
  for (const auto& m : evaluations) {
    entries.push_back(Json{{"epoch", m.epoch},
                           {"num_samples", m.num_samples},
                           {"test_log_likelihood", m.log_likelihood},
                           {"seconds", m.seconds}});
  }
  return entries;
}

void write_text_atomically(const std::string& path, const std::string& text) {
  write_file_atomically(path, std::vector<char>(text.begin(), text.end()));
}

void write_metrics(const TrainingOptions& o, const std::vector<EpochMetrics>& history,
                   const std::vector<IwaeMetrics>& iwae) {
  Json metrics{{"options", to_json(o)}, {"epochs", to_json(history)}};
  if (!iwae.empty()) metrics["iwae"] = to_json(iwae);
  write_text_atomically(o.out_dir + "/metrics.json", metrics.dump(2) + "\n");
}

/// Figure 3 of the tutorial: train and test ELBO (= -loss) against epoch.
void write_elbo_plot(const std::string& path, const std::vector<EpochMetrics>& history) {
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
  save_line_plot(path, {train, test}, options);
}

/// 64 images decoded from the model's prior draws of the latent, and 32 test images (top half)
/// above their reconstructions.
void write_image_grids(models::VAE& vae, const torch::Tensor& test_images, int64_t epoch,
                       const std::string& out_dir) {
  torch::NoGradGuard no_grad;
  // Predictive without a guide runs the model on one blank image 64 times: 64 prior draws.
  auto model = [&](const torch::Tensor& x) { vae->model(x); };
  const auto blank = torch::zeros({1, test_images.size(1)}, test_images.options());
  const auto latents = infer::Predictive(model, 64, {"latent"})(blank).at("latent");
  auto samples = vae->decoder->forward(latents);
  save_image_grid(fmt::format("{}/samples_epoch_{:03d}.png", out_dir, epoch),
                  samples.reshape({-1, 28, 28}), 8);
  auto originals = test_images.slice(0, 0, 32);
  auto reconstructions = vae->reconstruct_img(originals);
  save_image_grid(fmt::format("{}/reconstructions_epoch_{:03d}.png", out_dir, epoch),
                  torch::cat({originals, reconstructions}).reshape({-1, 28, 28}), 8);
}

/// The test set's average over images of the importance-weighted bound with `num_samples`
/// samples each. A pass holds at most kRowsPerPass (image, sample) pairs: few images per batch
/// for large K, and the samples in chunks when K alone exceeds it.
double test_log_likelihood(models::VAE& vae, const MnistSplit& test, int64_t num_samples,
                           const TrainingOptions& o, const torch::Device& device) {
  constexpr int64_t kRowsPerPass = 16384;
  const int64_t images = std::clamp<int64_t>(kRowsPerPass / num_samples, 1, o.batch_size);
  const int64_t chunk = std::clamp<int64_t>(kRowsPerPass / images, 1, num_samples);
  const MnistBatches batches(test, images, /*shuffle=*/false, device, o.seed);
  auto model = [&](const torch::Tensor& x) { vae->model(x); };
  auto guide = [&](const torch::Tensor& x) { vae->guide(x); };
  const auto options =
      infer::IWAEOptions().num_samples(num_samples).max_plate_nesting(1).chunk_size(chunk);
  ProgressBar progress(fmt::format("[iwae K={}]", num_samples), batches.num_batches(), o.progress);
  double total = 0;
  for (int64_t i = 0; i < batches.num_batches(); ++i) {
    total += infer::iwae_bound(model, guide, options, batches.batch(i)).sum().item<double>();
    progress.update(i + 1);
  }
  return total / static_cast<double>(batches.size());
}

}  // namespace

bool is_test_epoch(int64_t epoch, const TrainingOptions& o) {
  return epoch == 1 || epoch % o.test_frequency == 0 || epoch == o.epochs;
}

std::vector<EpochMetrics> train_vae(const TrainingOptions& o, std::ostream& log) {
  if (o.epochs < 0 || o.batch_size < 1 || o.test_frequency < 1 || o.z_dim < 1 || o.hidden_dim < 1 ||
      !(o.lr > 0) || o.threads < 1) {
    throw std::invalid_argument(
        "epochs must be >= 0; batch size, test frequency, sizes, lr and threads positive");
  }
  for (int64_t k : o.eval_iwae)
    if (k < 1) throw std::invalid_argument(fmt::format("eval_iwae: K must be >= 1, got {}", k));
  if (o.elbo != "trace" && o.elbo != "meanfield")
    throw std::invalid_argument(fmt::format("elbo must be trace or meanfield, got '{}'", o.elbo));
  const torch::Device device(o.device);
  if (device.is_cuda() && !torch::cuda::is_available())
    throw std::runtime_error(
        "--device cuda was asked for, but this build of LibTorch sees no CUDA device");
  set_num_threads(o.threads);
  dist::set_validation_enabled(o.validate);
  torch::manual_seed(o.seed);
  std::filesystem::create_directories(o.out_dir);
  const std::string checkpoint_path = o.out_dir + "/checkpoint.pt";

  const MnistSplit train = load_mnist(o.data_dir, /*train=*/true);
  // The test set is read at each test epoch and dropped after it, which keeps it out of the
  // training steps' peak memory (a 10 ms read against a 3 s epoch).
  load_mnist(o.data_dir, /*train=*/false);  // fail early if it is missing or corrupt
  MnistBatches train_batches(train, o.batch_size, /*shuffle=*/true, device, o.seed);

  models::VAE vae(models::VAEOptions().z_dim(o.z_dim).hidden_dim(o.hidden_dim));
  vae->to(device);
  ParamStore store;
  ParamStoreScope store_scope(store);
  // Registered up front so that a checkpoint loads straight into the modules.
  ppl::module("encoder", vae->encoder);
  ppl::module("decoder", vae->decoder);
  auto model = [&](const torch::Tensor& x) { vae->model(x); };
  auto guide = [&](const torch::Tensor& x) { vae->guide(x); };
  const optim::AdamOptions adam(o.lr);
  infer::SVI svi = o.elbo == "meanfield"
                       ? infer::SVI(model, guide, optim::Adam(adam), infer::TraceMeanField_ELBO())
                       : infer::SVI(model, guide, optim::Adam(adam), infer::Trace_ELBO());

  std::vector<EpochMetrics> history;
  int64_t first_epoch = 1;
  if (o.resume && std::filesystem::exists(checkpoint_path)) {
    const Checkpoint c = load_checkpoint(checkpoint_path);
    if (c.z_dim != o.z_dim || c.hidden_dim != o.hidden_dim) {
      throw std::runtime_error(
          fmt::format("checkpoint '{}' is for z_dim {} and hidden_dim {}, but this run has z_dim "
                      "{} and hidden_dim {}",
                      checkpoint_path, c.z_dim, c.hidden_dim, o.z_dim, o.hidden_dim));
    }
    try {
      history = history_from_json(c.metrics);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(
          fmt::format("checkpoint '{}' has unreadable metrics: {}", checkpoint_path, e.what()));
    }
    restore_checkpoint(c, checkpoint_path, store, svi.optimizer(), device);
    first_epoch = c.epoch + 1;
    fmt::print(log, "resuming after epoch {} from {}\n", c.epoch, checkpoint_path);
    if (c.epoch >= o.epochs)
      fmt::print(log, "the checkpoint has {} epochs (--epochs {}): nothing to train\n", c.epoch,
                 o.epochs);
  } else if (o.resume) {
    fmt::print(log, "no checkpoint at {}: starting from scratch\n", checkpoint_path);
  }

  const auto train_size = static_cast<double>(train.images.size(0));
  for (int64_t epoch = first_epoch; epoch <= o.epochs; ++epoch) {
    EpochMetrics metrics;
    metrics.epoch = epoch;
    const auto start = Clock::now();
    train_batches.start_epoch(epoch);
    ProgressBar progress(fmt::format("[epoch {:03d}]", epoch), train_batches.num_batches(),
                         o.progress);
    double epoch_loss = 0;
    for (int64_t i = 0; i < train_batches.num_batches(); ++i) {
      epoch_loss += svi.step(train_batches.batch(i));
      progress.update(i + 1);
    }
    progress.finish();
    metrics.train_loss = epoch_loss / train_size;
    metrics.train_seconds = seconds_since(start);
    fmt::print(log, "[epoch {:03d}]  average training loss: {:.4f}\n", epoch, metrics.train_loss);

    if (is_test_epoch(epoch, o)) {
      const auto test_start = Clock::now();
      const MnistSplit test = load_mnist(o.data_dir, /*train=*/false);
      const MnistBatches test_batches(test, o.batch_size, /*shuffle=*/false, device, o.seed);
      const auto test_size = static_cast<double>(test.images.size(0));
      double test_loss = 0;
      for (int64_t i = 0; i < test_batches.num_batches(); ++i)
        test_loss += svi.evaluate_loss(test_batches.batch(i));
      metrics.test_loss = test_loss / test_size;
      metrics.test_seconds = seconds_since(test_start);
      fmt::print(log, "[epoch {:03d}]  average test loss: {:.4f}\n", epoch, *metrics.test_loss);
      write_image_grids(vae, test_batches.batch(0), epoch, o.out_dir);
    }
    log.flush();
    history.push_back(metrics);

    write_metrics(o, history, {});
    write_elbo_plot(o.out_dir + "/elbo.png", history);
    Checkpoint checkpoint;
    checkpoint.epoch = epoch;
    checkpoint.z_dim = o.z_dim;
    checkpoint.hidden_dim = o.hidden_dim;
    checkpoint.metrics = to_json(history);
    save_checkpoint(checkpoint_path, checkpoint, store, svi.optimizer(), device);
  }

  std::vector<IwaeMetrics> evaluations;
  for (int64_t k : o.eval_iwae) {
    IwaeMetrics metrics;
    metrics.epoch = history.empty() ? 0 : history.back().epoch;
    metrics.num_samples = k;
    const auto start = Clock::now();
    metrics.log_likelihood =
        test_log_likelihood(vae, load_mnist(o.data_dir, /*train=*/false), k, o, device);
    metrics.seconds = seconds_since(start);
    fmt::print(log, "[iwae K={}]  average test log p(x) estimate: {:.4f} ({:.1f} s)\n", k,
               metrics.log_likelihood, metrics.seconds);
    log.flush();
    evaluations.push_back(metrics);
    write_metrics(o, history, evaluations);
  }
  return history;
}

}  // namespace ppl::examples
