#include "examples/cvae_mnist/training.h"

#include "examples/common/epoch_metrics.h"
#include "examples/common/image_grid.h"
#include "examples/common/mnist.h"
#include "examples/common/run_record.h"
#include "examples/common/training_loop.h"
#include "models/cvae.h"

#include <ppl/ppl.h>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>

namespace ppl::examples {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

/// The model's architecture, as a checkpoint records it.
Json model_json(const CvaeTrainingOptions& o) {
  return Json{{"model", "cvae"},
              {"z_dim", o.z_dim},
              {"hidden_dims", o.hidden_dims},
              {"activation", o.activation}};
}

Json to_json(const CvaeTrainingOptions& o) {
  Json json = model_json(o);
  json.update(Json{{"epochs", o.epochs},
                   {"batch_size", o.batch_size},
                   {"lr", o.lr},
                   {"seed", o.seed},
                   {"device", o.device},
                   {"threads", o.threads}});
  return json;
}

/// A 10 x 10 grid: row k decoded with label k. Every row draws its latents from a generator
/// seeded alike, so column j shows one latent draw (a style) as every digit, the same in every
/// epoch; the training's random stream is left alone.
void write_generated(models::CVAE& cvae, const torch::Device& device, uint64_t seed, int64_t epoch,
                     const std::string& out_dir) {
  const int64_t classes = cvae->options().num_classes();
  std::vector<torch::Tensor> rows;
  for (int64_t k = 0; k < classes; ++k) {
    const auto labels = torch::full({classes}, k, torch::dtype(torch::kLong).device(device));
    rows.push_back(cvae->generate(labels, at::detail::createCPUGenerator(seed)));
  }
  save_image_grid(fmt::format("{}/generated_epoch_{:03d}.png", out_dir, epoch),
                  torch::cat(rows).clamp(0, 1).reshape({-1, 28, 28}), classes);
}

/// 32 test images (top half) above their reconstructions, each encoded and decoded with its
/// label.
void write_reconstructions(models::CVAE& cvae, const torch::Tensor& images,
                           const torch::Tensor& labels, int64_t epoch, const std::string& out_dir) {
  torch::NoGradGuard no_grad;
  const auto originals = images.slice(0, 0, 32);
  const auto reconstructions = cvae->reconstruct_img(originals, labels.slice(0, 0, 32)).clamp(0, 1);
  save_image_grid(fmt::format("{}/reconstructions_epoch_{:03d}.png", out_dir, epoch),
                  torch::cat({originals, reconstructions}).reshape({-1, 28, 28}), 8);
}

}  // namespace

std::vector<EpochMetrics> train_cvae(const CvaeTrainingOptions& o, std::ostream& log) {
  if (o.epochs < 0 || o.batch_size < 1 || o.z_dim < 1 || !(o.lr > 0) || o.threads < 1)
    throw std::invalid_argument("epochs must be >= 0; batch size, z_dim, lr and threads positive");
  const auto model_options = models::CVAEOptions()
                                 .z_dim(o.z_dim)
                                 .hidden_dims(o.hidden_dims)
                                 .activation(models::activation_from_string(o.activation));
  const torch::Device device = training_device(o.device);
  set_num_threads(o.threads);
  enable_validation(false);  // a host sync per distribution check: off in the training loop
  torch::manual_seed(o.seed);
  std::filesystem::create_directories(o.out_dir);
  RunRecord record(o.out_dir, to_json(o), model_json(o));

  const MnistSplit train = load_mnist(o.data_dir, /*train=*/true);
  const MnistSplit test = load_mnist(o.data_dir, /*train=*/false);
  MnistBatches train_batches(train, o.batch_size, /*shuffle=*/true, device, o.seed);
  const MnistBatches test_batches(test, o.batch_size, /*shuffle=*/false, device, o.seed);

  models::CVAE cvae(model_options);
  cvae->to(device);
  ParamStore store;
  ParamStoreScope store_scope(store);
  // Registered up front so that a checkpoint loads straight into the modules.
  ppl::module("encoder", cvae->encoder);
  ppl::module("decoder", cvae->decoder);
  auto model = [&](const torch::Tensor& x, const torch::Tensor& y) { cvae->model(x, y); };
  auto guide = [&](const torch::Tensor& x, const torch::Tensor& y) { cvae->guide(x, y); };
  infer::SVI svi(model, guide, optim::Adam(optim::AdamOptions(o.lr)),
                 infer::Trace_ELBO(infer::ELBOOptions().max_plate_nesting(1)));

  ResumedRun resumed;
  if (o.resume) resumed = record.resume(o.epochs, store, svi.optimizer(), device, log);
  std::vector<EpochMetrics> history = std::move(resumed.history);
  at::Generator evaluation = evaluation_generator(device, o.seed);  // the test epochs' draws
  restore_generator(resumed, kEvaluationGeneratorState, evaluation);

  for (int64_t epoch = resumed.epoch + 1; epoch <= o.epochs; ++epoch) {
    EpochMetrics metrics = train_epoch(train_batches, epoch, o.progress, [&](int64_t i) {
      return svi.step(train_batches.batch(i), train_batches.labels(i));
    });
    fmt::print(log, "[epoch {:03d}]  average training loss: {:.4f}\n", epoch, metrics.train_loss);

    const auto test_start = Clock::now();
    {
      const GeneratorScope evaluating(evaluation);
      metrics.test_loss = test_loss(test_batches, [&](int64_t i) {
        return svi.evaluate_loss(test_batches.batch(i), test_batches.labels(i));
      });
      fmt::print(log, "[epoch {:03d}]  average test loss: {:.4f}\n", epoch, *metrics.test_loss);
      write_generated(cvae, device, o.seed, epoch, o.out_dir);
      write_reconstructions(cvae, test_batches.batch(0), test_batches.labels(0), epoch, o.out_dir);
    }
    metrics.test_seconds = seconds_since(test_start);
    log.flush();
    history.push_back(metrics);
    Checkpoint checkpoint = record.checkpoint(history);
    checkpoint.state.tensors[kEvaluationGeneratorState] = evaluation.get_state();
    record.write_epoch(history, checkpoint, store, svi.optimizer(), device, log);
  }
  return history;
}

}  // namespace ppl::examples
