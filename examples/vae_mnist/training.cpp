#include "examples/vae_mnist/training.h"

#include "examples/common/checkpoint.h"
#include "examples/common/epoch_metrics.h"
#include "examples/common/figure.h"
#include "examples/common/image_grid.h"
#include "examples/common/mnist.h"
#include "examples/common/model_graph.h"
#include "examples/common/png.h"
#include "examples/common/progress.h"
#include "examples/common/tsne.h"
#include "examples/vae_mnist/processes.h"
#include "models/vae.h"

#include <ppl/ppl.h>

#include <ATen/CPUGeneratorImpl.h>

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

/// The model's architecture, as a checkpoint records it.
Json model_json(const TrainingOptions& o) {
  return Json{{"z_dim", o.z_dim},
              {"hidden_dims", o.hidden_dims},
              {"activation", o.activation},
              {"likelihood", o.likelihood},
              {"encoder_log_variance", o.encoder_log_variance}};
}

Json to_json(const TrainingOptions& o) {
  Json json = model_json(o);
  json.update(Json{{"epochs", o.epochs},
                   {"batch_size", o.batch_size},
                   {"lr", o.lr},
                   {"lr_decay", o.lr_decay},
                   {"lr_decay_after", o.lr_decay_after},
                   {"binarize", o.binarize},
                   {"particles", o.particles},
                   {"beta", o.beta},
                   {"test_frequency", o.test_frequency},
                   {"test_iwae", o.test_iwae},
                   {"elbo", o.elbo},
                   {"seed", o.seed},
                   {"device", o.device},
                   {"threads", o.threads}});
  return json;
}

/// For Gaussian likelihoods, the loss without the normalising constant 784 * log(2 pi) / 2 =
/// 720.4 nats, as code that drops it (the AEVB summary's) prints it; empty otherwise.
std::string without_gaussian_constant(double loss, const TrainingOptions& o) {
  if (o.likelihood != "gaussian" && o.likelihood != "igaussian") return "";
  const double constant = 784 * 0.5 * std::log(2 * M_PI);
  return fmt::format("  (without the Gaussian constant: {:.4f})", loss - constant);
}

models::VAEOptions vae_options(const TrainingOptions& o) {
  return models::VAEOptions()
      .z_dim(o.z_dim)
      .hidden_dims(o.hidden_dims)
      .activation(models::activation_from_string(o.activation))
      .likelihood(models::likelihood_from_string(o.likelihood))
      .encoder_log_variance(o.encoder_log_variance)
      .beta(o.beta);
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

/// metrics.json: the options, every epoch's metrics, and the evaluations after training ("iwae",
/// "tsne") when there are any.
void write_metrics(const TrainingOptions& o, const std::vector<EpochMetrics>& history,
                   const Json& evaluations = Json::object()) {
  Json metrics{{"options", to_json(o)}, {"epochs", to_json(history)}};
  metrics.update(evaluations);
  write_text_atomically(o.out_dir + "/metrics.json", metrics.dump(2) + "\n");
}

/// 64 images decoded from the model's prior draws of the latent, and 32 test images (top half)
/// above their reconstructions.
void write_image_grids(models::VAE& vae, const torch::Tensor& test_images, int64_t epoch,
                       const std::string& out_dir) {
  torch::NoGradGuard no_grad;
  // Predictive without a guide runs the model on one blank image 64 times: 64 prior draws.
  // Unconditioned, each run also draws the pixels, as it always has: the random stream that
  // training goes on with, and so every published figure, stays as it was.
  auto model = handlers::uncondition([&](const torch::Tensor& x) { vae->model(x); });
  const auto blank = torch::zeros({1, test_images.size(1)}, test_images.options());
  const auto latents = infer::Predictive(model, 64, {"latent"})(blank).at("latent");
  auto samples = vae->decoder->forward(latents).loc.clamp(0, 1);
  save_image_grid(fmt::format("{}/samples_epoch_{:03d}.png", out_dir, epoch),
                  samples.reshape({-1, 28, 28}), 8);
  auto originals = test_images.slice(0, 0, 32);
  auto reconstructions = vae->reconstruct_img(originals).clamp(0, 1);
  save_image_grid(fmt::format("{}/reconstructions_epoch_{:03d}.png", out_dir, epoch),
                  torch::cat({originals, reconstructions}).reshape({-1, 28, 28}), 8);
}

/// The test set's average over images of the importance-weighted bound with `num_samples`
/// samples each (in data-parallel training each rank takes part of every batch). A pass holds at
/// most kRowsPerPass (image, sample) pairs: few images per batch for large K, and the samples in
/// chunks when K alone exceeds it.
double test_log_likelihood(models::VAE& vae, const MnistSplit& test, int64_t num_samples,
                           const TrainingOptions& o, const torch::Device& device,
                           const Processes& processes) {
  constexpr int64_t kRowsPerPass = 16384;
  const int64_t ranks = processes.world_size();
  const int64_t images = std::clamp<int64_t>(kRowsPerPass / num_samples, ranks, o.batch_size);
  const int64_t chunk = std::clamp<int64_t>(kRowsPerPass / images, 1, num_samples);
  const MnistBatches batches(test, images, /*shuffle=*/false, device, o.seed, processes.rank(),
                             ranks);
  auto model = [&](const torch::Tensor& x) { vae->model(x); };
  auto guide = [&](const torch::Tensor& x) { vae->guide(x); };
  const auto options =
      infer::IWAEOptions().num_samples(num_samples).max_plate_nesting(1).chunk_size(chunk);
  ProgressBar progress(fmt::format("[iwae K={}]", num_samples), batches.num_batches(),
                       o.progress && processes.rank() == 0);
  double total = 0;
  for (int64_t i = 0; i < batches.num_batches(); ++i) {
    total += infer::iwae_bound(model, guide, options, batches.batch(i)).sum().item<double>();
    progress.update(i + 1);
  }
  // each rank summed its part of every batch
  return processes.sum(total, "the test log-likelihood") / static_cast<double>(batches.size());
}

/// Figure 5 of the tutorial: the latent means of the test images embedded in 2-D by t-SNE,
/// coloured by digit (tsne.png, tsne.csv). Returns the figures for metrics.json: seconds and the
/// leave-one-out 10-nearest-neighbour digit accuracy in 2-D and in the latent space.
Json write_tsne(models::VAE& vae, const MnistSplit& test, const TrainingOptions& o,
                const torch::Device& device, std::ostream& log) {
  torch::NoGradGuard no_grad;
  const MnistBatches batches(test, 1000, /*shuffle=*/false, device, o.seed);
  std::vector<torch::Tensor> means;
  for (int64_t i = 0; i < batches.num_batches(); ++i)
    means.push_back(vae->encoder->forward(batches.batch(i)).first.to(torch::kCPU));
  const auto latents = torch::cat(means).to(torch::kFloat64);
  const auto labels = test.labels.to(torch::kInt64);

  const auto start = Clock::now();
  const int64_t iterations = TsneOptions().iterations();
  ProgressBar progress("[tsne]", iterations, o.progress);
  const auto embedding =
      tsne(latents, TsneOptions().seed(o.seed), [&](int64_t done) { progress.update(done); });
  progress.finish();
  const double seconds = seconds_since(start);
  const double accuracy_2d = knn_accuracy(embedding, labels, 10);
  const double accuracy_latent = knn_accuracy(latents, labels, 10);

  std::string csv = "x,y,digit\n";
  const auto y = embedding.accessor<double, 2>();
  const auto digit = labels.accessor<int64_t, 1>();
  for (int64_t i = 0; i < embedding.size(0); ++i)
    csv += fmt::format("{},{},{}\n", y[i][0], y[i][1], digit[i]);
  write_text_atomically(o.out_dir + "/tsne.csv", csv);
  ScatterFigure figure;
  for (int64_t i = 0; i < embedding.size(0); ++i) {
    figure.x.push_back(y[i][0]);
    figure.y.push_back(y[i][1]);
    figure.labels.push_back(digit[i]);
  }
  figure.title = fmt::format("t-SNE of the latent means of {} test images", embedding.size(0));
  const auto files = save_scatter_figure(o.out_dir, "tsne", figure);
  if (!files.rendered) fmt::print(log, "{}\n", files.hint);
  fmt::print(log,
             "[tsne]  {} test images in {:.1f} s; 10-nearest-neighbour digit accuracy {:.4f} in "
             "2-D, {:.4f} in the {}-D latent space\n",
             embedding.size(0), seconds, accuracy_2d, accuracy_latent, latents.size(1));
  return Json{{"points", embedding.size(0)},
              {"seconds", seconds},
              {"knn10_accuracy_2d", accuracy_2d},
              {"knn10_accuracy_latent", accuracy_latent}};
}

/// After a resume (which gave every rank rank 0's generator state): rank `rank`'s own state from
/// the checkpoint, or, when the run that wrote it had fewer ranks, a seed of its own.
void restore_rank_generator(const std::string& path, int64_t rank, const TrainingOptions& o,
                            int64_t epoch) {
  const std::string name = fmt::format("rng/rank{}/cpu", rank);
  const auto archive = load_archive(path);
  auto generator = at::detail::getDefaultCPUGenerator();
  const auto saved = archive.tensors.find(name);
  if (saved != archive.tensors.end()) {
    generator.set_state(saved->second);
  } else {
    generator.set_current_seed(o.seed + static_cast<uint64_t>(rank) +
                               1000003 * static_cast<uint64_t>(epoch));
  }
}

}  // namespace

bool is_test_epoch(int64_t epoch, const TrainingOptions& o) {
  return epoch == 1 || epoch % o.test_frequency == 0 || epoch == o.epochs;
}

std::vector<EpochMetrics> train_vae(const TrainingOptions& o, std::ostream& output) {
  if (o.epochs < 0 || o.batch_size < 1 || o.test_frequency < 1 || o.z_dim < 1 || !(o.lr > 0) ||
      !(o.lr_decay > 0 && o.lr_decay <= 1) || o.lr_decay_after < 0 || o.threads < 1 ||
      o.particles < 1 || !(o.beta > 0) || o.test_iwae < 0) {
    throw std::invalid_argument(
        "epochs, lr_decay_after and test_iwae must be >= 0; lr_decay in (0, 1]; batch size, "
        "test frequency, z_dim, lr, threads, particles and beta positive");
  }
  for (int64_t k : o.eval_iwae)
    if (k < 1) throw std::invalid_argument(fmt::format("eval_iwae: K must be >= 1, got {}", k));
  if (o.elbo != "trace" && o.elbo != "meanfield")
    throw std::invalid_argument(fmt::format("elbo must be trace or meanfield, got '{}'", o.elbo));
  if (o.binarize != "none" && o.binarize != "dynamic" && o.binarize != "fixed")
    throw std::invalid_argument(
        fmt::format("binarize must be none, dynamic or fixed, got '{}'", o.binarize));
  const models::VAEOptions model_options = vae_options(o);  // checks the names
  torch::Device device(o.device);
  if (device.is_cuda() && !torch::cuda::is_available())
    throw std::runtime_error(
        "--device cuda was asked for, but this build of LibTorch sees no CUDA device");

  // Started by a launcher (scripts/launch, torchrun), this process is one rank of a
  // data-parallel run: it trains on its part of every global batch of batch_size examples.
  // Rank 0 alone prints and writes files.
  Processes processes(device);
  const int64_t rank = processes.rank();
  const int64_t world_size = processes.world_size();
  if (o.batch_size < world_size)
    throw std::invalid_argument(fmt::format(
        "batch size {} is smaller than the number of processes {}", o.batch_size, world_size));
  std::ostream discarded(nullptr);
  std::ostream& log = rank == 0 ? output : discarded;
  const bool progress_bars = o.progress && rank == 0;

  set_num_threads(o.threads);
  enable_validation(o.validate);
  torch::manual_seed(o.seed + static_cast<uint64_t>(rank));
  if (rank == 0) std::filesystem::create_directories(o.out_dir);
  const std::string checkpoint_path = o.out_dir + "/checkpoint.pt";

  // The fixed draws (the training set with binarize "fixed", the test set) come from generators
  // of their own, so they neither depend on nor change the training's random stream; the
  // dynamic draws are part of that stream, and so of the checkpoint.
  const bool binarized = o.binarize != "none";
  const MnistSplit train = o.binarize == "fixed"
                               ? binarize(load_mnist(o.data_dir, /*train=*/true), o.seed)
                               : load_mnist(o.data_dir, /*train=*/true);
  // The test set is read at each test epoch and dropped after it, which keeps it out of the
  // training steps' peak memory (a 10 ms read against a 3 s epoch).
  const auto load_test = [&] {
    auto test = load_mnist(o.data_dir, /*train=*/false);
    return binarized ? binarize(std::move(test), o.seed + 1) : test;
  };
  load_test();  // fail early if it is missing or corrupt
  MnistBatches train_batches(train, o.batch_size, /*shuffle=*/true, device, o.seed, rank,
                             world_size);

  models::VAE vae(model_options);
  vae->to(device);
  ParamStore store;
  ParamStoreScope store_scope(store);
  // Registered up front so that a checkpoint loads straight into the modules.
  ppl::module("encoder", vae->encoder);
  ppl::module("decoder", vae->decoder);
  // Several particles run in one vectorized pass, with the latent plate at dim -1.
  const auto elbo_options = infer::ELBOOptions()
                                .num_particles(o.particles)
                                .vectorize_particles(o.particles > 1)
                                .max_plate_nesting(1);
  std::shared_ptr<infer::ELBO> elbo;
  if (o.elbo == "meanfield") {
    elbo = std::make_shared<infer::TraceMeanField_ELBO>(elbo_options);
  } else {
    elbo = std::make_shared<infer::Trace_ELBO>(elbo_options);
  }
  infer::SVI svi(vae, &models::VAEImpl::model, &models::VAEImpl::guide,
                 optim::Adam(optim::AdamOptions(o.lr)), elbo);
  svi.set_reducer(processes.step_reducer());
  // A rank's loss sums over its part of the global batch. Weighted by the number of ranks, the
  // average that DataParallel takes of losses and gradients is the global batch's sum, as one
  // process computes it.
  const auto weighted = [&](auto&& svi_call) {
    if (world_size == 1) return svi_call();
    handlers::ScaleMessenger weight(static_cast<double>(world_size));
    return svi_call();
  };

  ResumedRun resumed;
  if (o.resume) {
    resumed = resume_from_checkpoint(checkpoint_path, model_json(o), o.epochs, store,
                                     svi.optimizer(), device, log);
    if (rank > 0 && resumed.epoch > 0)
      restore_rank_generator(checkpoint_path, rank, o, resumed.epoch);
  }
  std::vector<EpochMetrics> history = std::move(resumed.history);

  const auto train_size = static_cast<double>(train.images.size(0));
  bool hint_printed = false;  // without gnuplot, how to render the figures is said once
  for (int64_t epoch = resumed.epoch + 1; epoch <= o.epochs; ++epoch) {
    EpochMetrics metrics;
    metrics.epoch = epoch;
    const auto start = Clock::now();
    train_batches.start_epoch(epoch);
    const auto [averaging_seconds_before, averaged_steps_before] = processes.averaging_time();
    ProgressBar progress(fmt::format("[epoch {:03d}]", epoch), train_batches.num_batches(),
                         progress_bars);
    double epoch_loss = 0;
    for (int64_t i = 0; i < train_batches.num_batches(); ++i) {
      auto x = train_batches.batch(i);
      if (o.binarize == "dynamic") x = torch::bernoulli(x);
      epoch_loss += weighted([&] { return svi.step(x); });
      progress.update(i + 1);
    }
    progress.finish();
    if (o.lr_decay != 1.0 && epoch > o.lr_decay_after) {  // checkpointed with the optimizer
      for (const auto& name : store.names())
        svi.optimizer().set_lr(name, svi.optimizer().lr(name) * o.lr_decay);
    }
    metrics.train_loss = epoch_loss / train_size;
    metrics.train_seconds = seconds_since(start);
    fmt::print(log, "[epoch {:03d}]  average training loss: {:.4f}{}\n", epoch, metrics.train_loss,
               without_gaussian_constant(metrics.train_loss, o));
    if (world_size > 1) {
      const auto [averaging_seconds, averaged_steps] = processes.averaging_time();
      fmt::print(log, "[epoch {:03d}]  {} processes: gradient allreduce {:.3f} ms per step\n",
                 epoch, world_size,
                 1000 * (averaging_seconds - averaging_seconds_before) /
                     static_cast<double>(averaged_steps - averaged_steps_before));
    }

    if (is_test_epoch(epoch, o)) {
      const auto test_start = Clock::now();
      const MnistSplit test = load_test();
      const MnistBatches test_batches(test, o.batch_size, /*shuffle=*/false, device, o.seed, rank,
                                      world_size);
      const auto test_size = static_cast<double>(test.images.size(0));
      double test_loss = 0;
      for (int64_t i = 0; i < test_batches.num_batches(); ++i)
        test_loss += weighted([&] { return svi.evaluate_loss(test_batches.batch(i)); });
      metrics.test_loss = test_loss / test_size;
      fmt::print(log, "[epoch {:03d}]  average test loss: {:.4f}{}\n", epoch, *metrics.test_loss,
                 without_gaussian_constant(*metrics.test_loss, o));
      if (rank == 0) write_image_grids(vae, test_batches.batch(0), epoch, o.out_dir);
      if (o.test_iwae > 0) {
        metrics.test_log_likelihood =
            test_log_likelihood(vae, test, o.test_iwae, o, device, processes);
        fmt::print(log, "[epoch {:03d}]  average test log p(x) estimate (K={}): {:.4f}\n", epoch,
                   o.test_iwae, *metrics.test_log_likelihood);
      }
      metrics.test_seconds = seconds_since(test_start);
    }
    log.flush();
    history.push_back(metrics);

    Checkpoint checkpoint{epoch, model_json(o), to_json(history), {}};
    processes.add_rank_generators(checkpoint);
    if (rank > 0) continue;
    write_metrics(o, history);
    const std::string hint = write_epoch_figures(o.out_dir, history);
    if (!hint.empty() && !hint_printed) fmt::print(log, "{}\n", hint);
    hint_printed = hint_printed || !hint.empty();
    save_checkpoint(checkpoint_path, checkpoint, store, svi.optimizer(), device);
  }

  std::vector<IwaeMetrics> iwae;
  Json evaluations = Json::object();
  for (int64_t k : o.eval_iwae) {
    IwaeMetrics metrics;
    metrics.epoch = history.empty() ? 0 : history.back().epoch;
    metrics.num_samples = k;
    const auto start = Clock::now();
    metrics.log_likelihood = test_log_likelihood(vae, load_test(), k, o, device, processes);
    metrics.seconds = seconds_since(start);
    fmt::print(log, "[iwae K={}]  average test log p(x) estimate: {:.4f} ({:.1f} s)\n", k,
               metrics.log_likelihood, metrics.seconds);
    log.flush();
    iwae.push_back(metrics);
    evaluations["iwae"] = to_json(iwae);
    if (rank == 0) write_metrics(o, history, evaluations);
  }
  if (o.tsne && rank == 0) {
    evaluations["tsne"] = write_tsne(vae, load_test(), o, device, log);
    write_metrics(o, history, evaluations);
  }
  return history;
}

int render_vae_model(const TrainingOptions& o, const std::string& filename) {
  models::VAE vae(vae_options(o));
  const auto images = torch::zeros({o.batch_size, vae->options().image_size()});
  return render_model_to(
      infer::RenderOptions().filename(filename), [&](const torch::Tensor& x) { vae->model(x); },
      images);
}

}  // namespace ppl::examples
