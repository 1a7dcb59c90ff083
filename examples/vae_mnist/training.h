#pragma once
// Training Pyro's tutorial VAE on MNIST: the loop behind the vae_mnist program.

#include "examples/common/epoch_metrics.h"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ppl::examples {

/// Settings of a run; the defaults are the tutorial's (the preset "pyro-tutorial").
struct TrainingOptions {
  int64_t epochs = 100;
  int64_t batch_size = 256;
  double lr = 1e-3;
  /// After each epoch past `lr_decay_after`, every parameter's learning rate is multiplied by
  /// this (an exponential schedule; 1: constant).
  double lr_decay = 1.0;
  int64_t lr_decay_after = 0;
  int64_t z_dim = 50;
  std::vector<int64_t> hidden_dims{400};  ///< encoder's hidden layers; the decoder's reversed
  std::string activation = "softplus";    ///< softplus, relu or tanh
  /// bernoulli, continuous-bernoulli, gaussian (learned variance) or igaussian (unit variance)
  std::string likelihood = "bernoulli";
  bool encoder_log_variance = false;  ///< the encoder outputs log sigma^2 instead of log sigma
  /// none: pixel intensities in [0, 1]; dynamic: a fresh Bernoulli draw of every training image
  /// each epoch; fixed: one draw of the training set. The test set, when binarized, is drawn
  /// once (from the seed).
  std::string binarize = "none";
  int64_t particles = 1;  ///< ELBO samples per image (vectorized)
  double beta = 1.0;      ///< weight of the latent's terms (a beta-VAE when not 1)
  int64_t test_frequency = 5;
  std::string elbo = "trace";  ///< "trace" (Trace_ELBO) or "meanfield" (TraceMeanField_ELBO)
  uint64_t seed = 0;
  std::string device = "cpu";
  int threads = 1;
  std::string data_dir = "data/mnist";
  std::string out_dir = "out/vae_mnist";
  bool resume = false;
  bool validate = false;  ///< distribution argument checks (a host sync each): off for speed
  bool progress = true;   ///< a progress bar on stderr when it is a terminal
  /// After training, the test set's importance-weighted estimate of log p(x) per image with
  /// each of these numbers of samples per image (IWAE bound).
  std::vector<int64_t> eval_iwae;
  /// At each test epoch, also the test set's log p(x) estimate with this many samples per
  /// image (0: none), written to metrics.json and drawn in loglik.png.
  int64_t test_iwae = 0;
  /// After training, embed the test set's latent means in 2-D with t-SNE (tsne.png, tsne.csv).
  bool tsne = false;
};

/// One importance-weighted evaluation of the test set, as written to metrics.json.
struct IwaeMetrics {
  int64_t epoch = 0;          ///< epochs the evaluated model was trained for
  int64_t num_samples = 0;    ///< K
  double log_likelihood = 0;  ///< the average over the test set of each image's bound
  double seconds = 0;
};

/// Whether `epoch` (1-based) evaluates the test set: the first, every `test_frequency`-th and
/// the last epoch.
bool is_test_epoch(int64_t epoch, const TrainingOptions& options);

/// Trains up to `epochs` in all (with `resume`, continuing from the checkpoint; one that has
/// them already trains no more) and returns every epoch's metrics. Writes to `out_dir`:
/// metrics.json, elbo.png (and loglik.png with `test_iwae`; each with its .dat and .gp),
/// samples_epoch_NNN.png and reconstructions_epoch_NNN.png at test epochs, and checkpoint.pt
/// after every epoch. Then evaluates `eval_iwae` and, with `tsne`, writes tsne.png and tsne.csv,
/// adding the results to metrics.json ("iwae", "tsne"). Prints the per-epoch and evaluation
/// lines to `log`.
///
/// Started with torchrun's variables set (scripts/launch N vae_mnist ...), the process is one
/// rank of a data-parallel run (docs/distributed.md): batch_size is the global batch, each rank
/// trains and evaluates on its part of every batch, and rank 0 alone prints and writes files.
std::vector<EpochMetrics> train_vae(const TrainingOptions& options, std::ostream& log);

/// Draws the model of the VAE that `options` describe (on a zero batch of batch_size images,
/// no data needed) to `filename`, as render_model_to does; the program's exit status.
int render_vae_model(const TrainingOptions& options, const std::string& filename);

}  // namespace ppl::examples
