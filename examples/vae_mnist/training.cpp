#include "examples/vae_mnist/training.h"

#include "examples/common/checkpoint.h"
#include "examples/common/epoch_metrics.h"
#include "examples/common/figure.h"
#include "examples/common/image_grid.h"
#include "examples/common/mnist.h"
#include "examples/common/model_graph.h"
#include "examples/common/png.h"
#include "examples/common/progress.h"
#include "examples/common/run_record.h"
#include "examples/common/training_loop.h"
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
#include <functional>
#include <memory>
#include <stdexcept>

namespace ppl::examples {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

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

/// 64 images decoded from the model's prior draws of the latent, and 32 test images (top half)
/// above their reconstructions.
void write_image_grids(models::VAE& vae, const torch::Tensor& test_images, int64_t epoch,
                       const std::string& out_dir) {
  torch::NoGradGuard no_grad;
  // Predictive without a guide runs the model on one blank image 64 times: 64 prior draws.
  auto model = [&](const torch::Tensor& x) { vae->model(x); };
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
    means.push_back(vae->encoder->forward(batches.batch(i)).loc().to(torch::kCPU));
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

/// After a resume (which gave every rank rank 0's generator state): rank `rank`'s own state of
/// its CPU generator from the checkpoint, or, when the run that wrote it had fewer ranks, a seed
/// of its own.
void restore_rank_generator(const ResumedRun& resumed, int64_t rank, const TrainingOptions& o) {
  auto generator = at::detail::getDefaultCPUGenerator();
  generator.set_current_seed(o.seed + static_cast<uint64_t>(rank) +
                             1000003 * static_cast<uint64_t>(resumed.epoch));
  restore_generator(resumed, fmt::format("rng/rank{}/cpu", rank), generator);
}

/// The checkpoint's name for rank `rank`'s evaluation generator.
std::string evaluation_state_name(int64_t rank) {
  return rank == 0 ? kEvaluationGeneratorState : fmt::format("rng/rank{}/evaluation", rank);
}

/// std::invalid_argument naming the options out of range or unknown names.
void check_options(const TrainingOptions& o) {
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
  vae_options(o);  // checks the names
}

/// Readies this process, rank `processes.rank()` of the run: its threads, distribution checks,
/// random stream and (rank 0's) output directory.
void start_process(const TrainingOptions& o, const Processes& processes) {
  if (o.batch_size < processes.world_size())
    throw std::invalid_argument(
        fmt::format("batch size {} is smaller than the number of processes {}", o.batch_size,
                    processes.world_size()));
  set_num_threads(o.threads);
  enable_validation(o.validate);
  torch::manual_seed(o.seed + static_cast<uint64_t>(processes.rank()));
  if (processes.rank() == 0) std::filesystem::create_directories(o.out_dir);
}

/// The ELBO of `o.elbo`; several particles run in one vectorized pass, with the latent plate at
/// dim -1.
std::shared_ptr<infer::ELBO> make_elbo(const TrainingOptions& o) {
  const auto options = infer::ELBOOptions()
                           .num_particles(o.particles)
                           .vectorize_particles(o.particles > 1)
                           .max_plate_nesting(1);
  if (o.elbo == "meanfield") return std::make_shared<infer::TraceMeanField_ELBO>(options);
  return std::make_shared<infer::Trace_ELBO>(options);
}

using ImageProgram = std::function<void(const torch::Tensor&)>;

/// One process's part of a run of train_vae. Constructed, it has the training data, the model,
/// its SVI and, with `resume`, the checkpoint's state; then it trains, tests and records epoch by
/// epoch, and evaluates the trained model.
class VaeTraining {
 public:
  VaeTraining(const TrainingOptions& o, const torch::Device& device, Processes& processes,
              std::ostream& output);

  /// Epochs trained already (by the run resumed).
  int64_t epochs_done() const { return epochs_done_; }
  const std::vector<EpochMetrics>& history() const { return history_; }

  /// SVI steps on every batch of the training set, then the learning rate decay; prints the
  /// average loss.
  EpochMetrics train(int64_t epoch);
  /// The test set's average loss (and with `test_iwae` its log p(x) estimate) into `metrics`,
  /// and the epoch's image grids.
  void test(EpochMetrics& metrics);
  /// Adds the epoch to the history and writes metrics.json, the figures and the checkpoint.
  void record(const EpochMetrics& metrics);
  /// The importance-weighted estimates of `eval_iwae` and, with `tsne`, the t-SNE embedding,
  /// added to metrics.json.
  void evaluate_after_training();

 private:
  /// `svi_call`'s loss with the model scaled by the number of ranks: a rank's loss sums over its
  /// part of the global batch, and the average that DataParallel takes of losses and gradients
  /// is then the global batch's sum, as one process computes it.
  double weighted(const std::function<double()>& svi_call);
  /// The test set, binarized once (from the seed) when training binarizes. Read at each test
  /// epoch and dropped after it, it stays out of the training steps' peak memory (a 10 ms read
  /// against a 3 s epoch).
  MnistSplit load_test() const;

  const TrainingOptions& o_;
  const torch::Device device_;
  Processes& processes_;
  std::ostream discarded_{nullptr};
  std::ostream& log_;  // rank 0's output; the other ranks print nothing
  RunRecord record_;
  MnistSplit train_;
  MnistBatches train_batches_;
  models::VAE vae_;
  ParamStore store_;
  ParamStoreScope store_scope_{store_};
  infer::SVI<ImageProgram, ImageProgram> svi_;
  at::Generator evaluation_generator_;  // test() and evaluate_after_training() draw from it
  int64_t epochs_done_ = 0;
  std::vector<EpochMetrics> history_;
  nlohmann::json evaluations_ = nlohmann::json::object();
};

// The fixed draws (the training set with binarize "fixed", the test set) come from generators of
// their own, so they neither depend on nor change the training's random stream; the dynamic
// draws are part of that stream, and so of the checkpoint.
VaeTraining::VaeTraining(const TrainingOptions& o, const torch::Device& device,
                         Processes& processes, std::ostream& output)
    : o_(o),
      device_(device),
      processes_(processes),
      log_(processes.rank() == 0 ? output : discarded_),
      record_(o.out_dir, to_json(o), model_json(o)),
      train_(o.binarize == "fixed" ? binarize(load_mnist(o.data_dir, /*train=*/true), o.seed)
                                   : load_mnist(o.data_dir, /*train=*/true)),
      train_batches_(train_, o.batch_size, /*shuffle=*/true, device, o.seed, processes.rank(),
                     processes.world_size()),
      vae_(vae_options(o)),
      svi_([this](const torch::Tensor& x) { vae_->model(x); },
           [this](const torch::Tensor& x) { vae_->guide(x); },
           optim::Adam(optim::AdamOptions(o.lr)), make_elbo(o)),
      evaluation_generator_(evaluation_generator(device, o.seed, processes.rank())) {
  load_test();  // fail early if it is missing or corrupt
  vae_->to(device);
  // Registered up front so that a checkpoint loads straight into the modules.
  ppl::module("encoder", vae_->encoder);
  ppl::module("decoder", vae_->decoder);
  svi_.set_reducer(processes.step_reducer());
  if (!o.resume) return;
  ResumedRun resumed = record_.resume(o.epochs, store_, svi_.optimizer(), device, log_);
  if (processes.rank() > 0 && resumed.epoch > 0)
    restore_rank_generator(resumed, processes.rank(), o);
  restore_generator(resumed, evaluation_state_name(processes.rank()), evaluation_generator_);
  epochs_done_ = resumed.epoch;
  history_ = std::move(resumed.history);
}

EpochMetrics VaeTraining::train(int64_t epoch) {
  const auto [averaging_seconds_before, averaged_steps_before] = processes_.averaging_time();
  EpochMetrics metrics =
      train_epoch(train_batches_, epoch, o_.progress && processes_.rank() == 0, [&](int64_t i) {
        auto x = train_batches_.batch(i);
        if (o_.binarize == "dynamic") x = torch::bernoulli(x);
        return weighted([&] { return svi_.step(x); });
      });
  if (o_.lr_decay != 1.0 && epoch > o_.lr_decay_after) {  // checkpointed with the optimizer
    for (const auto& name : store_.names())
      svi_.optimizer().set_lr(name, svi_.optimizer().lr(name) * o_.lr_decay);
  }
  fmt::print(log_, "[epoch {:03d}]  average training loss: {:.4f}{}\n", epoch, metrics.train_loss,
             without_gaussian_constant(metrics.train_loss, o_));
  if (processes_.world_size() > 1) {
    const auto [averaging_seconds, averaged_steps] = processes_.averaging_time();
    fmt::print(log_, "[epoch {:03d}]  {} processes: gradient allreduce {:.3f} ms per step\n", epoch,
               processes_.world_size(),
               1000 * (averaging_seconds - averaging_seconds_before) /
                   static_cast<double>(averaged_steps - averaged_steps_before));
  }
  return metrics;
}

void VaeTraining::test(EpochMetrics& metrics) {
  const GeneratorScope evaluation(evaluation_generator_);
  const auto start = Clock::now();
  const MnistSplit test_set = load_test();
  const MnistBatches batches(test_set, o_.batch_size, /*shuffle=*/false, device_, o_.seed,
                             processes_.rank(), processes_.world_size());
  metrics.test_loss = test_loss(batches, [&](int64_t i) {
    return weighted([&] { return svi_.evaluate_loss(batches.batch(i)); });
  });
  fmt::print(log_, "[epoch {:03d}]  average test loss: {:.4f}{}\n", metrics.epoch,
             *metrics.test_loss, without_gaussian_constant(*metrics.test_loss, o_));
  if (processes_.rank() == 0) write_image_grids(vae_, batches.batch(0), metrics.epoch, o_.out_dir);
  if (o_.test_iwae > 0) {
    metrics.test_log_likelihood =
        test_log_likelihood(vae_, test_set, o_.test_iwae, o_, device_, processes_);
    fmt::print(log_, "[epoch {:03d}]  average test log p(x) estimate (K={}): {:.4f}\n",
               metrics.epoch, o_.test_iwae, *metrics.test_log_likelihood);
  }
  metrics.test_seconds = seconds_since(start);
}

void VaeTraining::record(const EpochMetrics& metrics) {
  log_.flush();
  history_.push_back(metrics);
  Checkpoint checkpoint = record_.checkpoint(history_);
  checkpoint.state.tensors[evaluation_state_name(0)] = evaluation_generator_.get_state();
  processes_.add_rank_generators(checkpoint, evaluation_generator_);
  if (processes_.rank() == 0)
    record_.write_epoch(history_, checkpoint, store_, svi_.optimizer(), device_, log_);
}

void VaeTraining::evaluate_after_training() {
  const GeneratorScope evaluation(evaluation_generator_);
  std::vector<IwaeMetrics> iwae;
  for (int64_t k : o_.eval_iwae) {
    IwaeMetrics metrics;
    metrics.epoch = history_.empty() ? 0 : history_.back().epoch;
    metrics.num_samples = k;
    const auto start = Clock::now();
    metrics.log_likelihood = test_log_likelihood(vae_, load_test(), k, o_, device_, processes_);
    metrics.seconds = seconds_since(start);
    fmt::print(log_, "[iwae K={}]  average test log p(x) estimate: {:.4f} ({:.1f} s)\n", k,
               metrics.log_likelihood, metrics.seconds);
    log_.flush();
    iwae.push_back(metrics);
    evaluations_["iwae"] = to_json(iwae);
    if (processes_.rank() == 0) record_.write_metrics(history_, evaluations_);
  }
  if (o_.tsne && processes_.rank() == 0) {
    evaluations_["tsne"] = write_tsne(vae_, load_test(), o_, device_, log_);
    record_.write_metrics(history_, evaluations_);
  }
}

double VaeTraining::weighted(const std::function<double()>& svi_call) {
  if (processes_.world_size() == 1) return svi_call();
  handlers::ScaleMessenger weight(static_cast<double>(processes_.world_size()));
  return svi_call();
}

MnistSplit VaeTraining::load_test() const {
  auto test = load_mnist(o_.data_dir, /*train=*/false);
  return o_.binarize != "none" ? binarize(std::move(test), o_.seed + 1) : test;
}

}  // namespace

bool is_test_epoch(int64_t epoch, const TrainingOptions& o) {
  return epoch == 1 || epoch % o.test_frequency == 0 || epoch == o.epochs;
}

std::vector<EpochMetrics> train_vae(const TrainingOptions& o, std::ostream& log) {
  check_options(o);
  torch::Device device = training_device(o.device);
  // Started by a launcher (scripts/launch, torchrun), this process is one rank of a
  // data-parallel run: it trains on its part of every global batch of batch_size examples.
  // Rank 0 alone prints and writes files.
  Processes processes(device);
  start_process(o, processes);
  VaeTraining run(o, device, processes, log);
  for (int64_t epoch = run.epochs_done() + 1; epoch <= o.epochs; ++epoch) {
    EpochMetrics metrics = run.train(epoch);
    if (is_test_epoch(epoch, o)) run.test(metrics);
    run.record(metrics);
  }
  run.evaluate_after_training();
  return run.history();
}

int render_vae_model(const TrainingOptions& o, const std::string& filename) {
  models::VAE vae(vae_options(o));
  const auto images = torch::zeros({o.batch_size, vae->options().image_size()});
  return render_model_to(
      infer::RenderOptions().filename(filename), [&](const torch::Tensor& x) { vae->model(x); },
      images);
}

}  // namespace ppl::examples
