// aevb_twin: the AEVB summary's Gaussian-decoder VAE with its loss written out by hand in plain
// LibTorch, as its code does: no ppl sample sites, ELBO or optimizer. The networks are
// models/vae.h's (the same initial weights for a seed), the data order, settings and random
// draws are those of `vae_mnist --preset aevb-gaussian`; docs/vae_family.md compares the two.
// Prints each epoch's average training loss without the Gaussian constant, as the summary does.
#include "examples/common/mnist.h"
#include "models/vae.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <string>

namespace {

/// The summary's loss for one batch: -(KL term + the average over L draws of log p(x | z)),
/// summed over the images, without the constant 784 log(2 pi) / 2 per image.
torch::Tensor summary_loss(ppl::models::VAE& vae, const torch::Tensor& x, int64_t samples) {
  const auto q = vae->encoder->forward(x);
  const auto mu_e = q.loc();
  const auto log_var_e = 2 * q.log_scale();  // the encoder's head, exactly
  const auto epsilon = torch::randn({samples, x.size(0), mu_e.size(-1)}, x.options());
  const auto z = mu_e + torch::sqrt(torch::exp(log_var_e)) * epsilon;
  const auto regularization = 0.5 * (1 + log_var_e - mu_e.square() - log_var_e.exp()).sum(-1);
  const auto decoded = vae->decoder->forward(z);
  const auto& mu_d = decoded.loc;
  const auto& log_var_d = decoded.log_var;
  const auto reconstruction =
      (-0.5 * log_var_d.sum(-1) - 0.5 * ((1 / log_var_d.exp()) * (x - mu_d).square()).sum(-1))
          .mean(0);
  return -(regularization.sum() + reconstruction.sum());
}

}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 3;
  uint64_t seed = 0;
  std::string data_dir = "data/mnist";
  CLI::App app{"The AEVB Gaussian-decoder VAE with its loss by hand, in plain LibTorch."};
  app.add_option("--epochs", epochs, "epochs to train")->capture_default_str();
  app.add_option("--seed", seed, "seed of the weights, the data order and the draws")
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "MNIST's IDX files")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    torch::set_num_threads(1);
    ppl::enable_validation(false);  // as vae_mnist: a NaN reaches the loss, which is checked
    torch::manual_seed(seed);       // as vae_mnist: the seed, then the data, then the weights
    const auto train = ppl::examples::load_mnist(data_dir, /*train=*/true);
    ppl::examples::MnistBatches batches(train, 128, /*shuffle=*/true, torch::kCPU, seed);
    ppl::models::VAE vae(ppl::models::VAEOptions()
                             .z_dim(20)
                             .hidden_dims({400})
                             .activation(ppl::models::Activation::relu)
                             .likelihood(ppl::models::Likelihood::gaussian)
                             .encoder_log_variance(true));
    torch::optim::Adam adam(vae->parameters(), torch::optim::AdamOptions(0.01));
    for (int64_t epoch = 1; epoch <= epochs; ++epoch) {
      batches.start_epoch(epoch);
      double total = 0;
      for (int64_t i = 0; i < batches.num_batches(); ++i) {
        adam.zero_grad();
        const auto loss = summary_loss(vae, batches.batch(i), /*samples=*/5);
        const double value = loss.item<double>();
        if (!std::isfinite(value)) {
          fmt::print("[epoch {:03d}]  stopped: the loss of batch {} is {}\n", epoch, i, value);
          return 1;
        }
        loss.backward();
        adam.step();
        total += value;
      }
      fmt::print("[epoch {:03d}]  average training loss (without the Gaussian constant): {:.4f}\n",
                 epoch, total / static_cast<double>(batches.size()));
      std::fflush(stdout);
    }
  } catch (const std::exception& error) {
    fmt::print(stderr, "aevb_twin: error: {}\n", error.what());
    return 1;
  }
  return 0;
}
