#pragma once
// Training a conditional VAE on MNIST with the digit labels: the loop behind the cvae_mnist
// program.

#include "examples/common/epoch_metrics.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace ppl::examples {

/// Settings of a run; the defaults follow the course page's VAE (003).
struct CvaeTrainingOptions {
  int64_t epochs = 15;
  int64_t batch_size = 128;
  double lr = 1e-3;
  int64_t z_dim = 20;
  std::vector<int64_t> hidden_dims{400};  ///< encoder's hidden layers; the decoder's reversed
  std::string activation = "relu";        ///< softplus, relu or tanh
  uint64_t seed = 0;
  std::string device = "cpu";
  int threads = 1;
  std::string data_dir = "data/mnist";
  std::string out_dir = "out/cvae_mnist";
  bool resume = false;
  bool progress = true;  ///< a progress bar on stderr when it is a terminal
};

/// Trains up to `epochs` in all (with `resume`, continuing from the checkpoint; one that has them
/// already trains no more) and returns every epoch's metrics: the average training and test loss
/// (-ELBO per image, Trace_ELBO) of each epoch. Writes to `out_dir`: metrics.json, elbo.png (with
/// elbo.dat and elbo.gp), and after every epoch generated_epoch_NNN.png (a 10 x 10 grid, row k
/// decoded with label k, column j from the same latent draw in every row and every epoch),
/// reconstructions_epoch_NNN.png (32 test images above their reconstructions) and
/// checkpoint.pt. Prints the per-epoch lines to `log`.
std::vector<EpochMetrics> train_cvae(const CvaeTrainingOptions& options, std::ostream& log);

}  // namespace ppl::examples
