#pragma once
// A conditional variational autoencoder (Sohn et al. 2015), written against the public ppl API:
// the VAE with the class label given to both networks, p(x | z, y) and q(z | x, y), so that
// decoding prior draws with label k generates digit k.

#include "models/vae.h"

#include <ppl/ppl.h>

#include <torch/torch.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace ppl::models {

/// Sizes and choices of the CVAE; the defaults follow the course page's VAE (003).
struct CVAEOptions {
  TORCH_ARG(int64_t, z_dim) = 20;
  /// The encoder's hidden layers, input side first; the decoder's are the same in reverse.
  TORCH_ARG(std::vector<int64_t>, hidden_dims) = std::vector<int64_t>{400};
  TORCH_ARG(Activation, activation) = Activation::relu;
  TORCH_ARG(int64_t, num_classes) = 10;
  TORCH_ARG(int64_t, image_size) = 784;
};

/// The one-hot rows (N, num_classes) of `labels`, in `dtype`. Labels are class indices of an
/// integer type, shape (N); std::invalid_argument names the first label outside
/// [0, num_classes), or the shape or dtype found. The range check reads the labels on the host:
/// for labels on another device it runs only while distribution validation is enabled.
torch::Tensor one_hot_labels(const torch::Tensor& labels, int64_t num_classes,
                             torch::Dtype dtype = torch::kFloat);

/// q(z | x, y): concat(image, one_hot(label)) -> hidden layers -> loc and log sigma, as a Normal
/// from its log-scale.
class ConditionalEncoderImpl : public torch::nn::Module {
 public:
  explicit ConditionalEncoderImpl(const CVAEOptions& options);
  /// x of shape (N, image_size) or (N, 1, 28, 28), labels (N); q(z | x, y) of batch shape
  /// (N, z_dim).
  dist::Normal forward(const torch::Tensor& x, const torch::Tensor& labels);

 private:
  CVAEOptions options_;
  MLP hidden_;
  torch::nn::Linear loc_, scale_;
};
TORCH_MODULE(ConditionalEncoder);

/// p(x | z, y): concat(z, one_hot(label)) -> hidden layers -> pixel probabilities (sigmoid).
class ConditionalDecoderImpl : public torch::nn::Module {
 public:
  explicit ConditionalDecoderImpl(const CVAEOptions& options);
  /// z of shape (N, z_dim), labels (N); returns (N, image_size) probabilities.
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels);

 private:
  CVAEOptions options_;
  MLP hidden_;
  torch::nn::Linear loc_;
};
TORCH_MODULE(ConditionalDecoder);

class CVAEImpl : public torch::nn::Module {
 public:
  explicit CVAEImpl(const CVAEOptions& options = {});

  /// p(x, z | y) = N(z | 0, I) Bernoulli(x | decoder(z, y)), one latent per image in plate
  /// "data"; x is observed at site "obs". Returns the decoded pixel probabilities.
  torch::Tensor model(const torch::Tensor& x, const torch::Tensor& labels);
  /// q(z | x, y) = N(z | encoder(x, y)) at site "latent".
  void guide(const torch::Tensor& x, const torch::Tensor& labels);

  /// p(x | z, y) for a batch of latents (N, z_dim): an event of image_size pixels per row.
  dist::Independent likelihood(const torch::Tensor& z, const torch::Tensor& labels);
  /// Decodes one prior draw z ~ N(0, I) per label, without gradients: pixel probabilities
  /// (N, image_size) on the labels' device. The draws come from `generator` (a CPU generator)
  /// when given, so the same generator state gives the same latents whatever the labels.
  torch::Tensor generate(const torch::Tensor& labels,
                         c10::optional<at::Generator> generator = c10::nullopt);
  /// Encodes, draws z from q(z | x, y) and decodes with the same labels.
  torch::Tensor reconstruct_img(const torch::Tensor& x, const torch::Tensor& labels);

  const CVAEOptions& options() const { return options_; }
  ConditionalEncoder encoder;
  ConditionalDecoder decoder;

 private:
  CVAEOptions options_;
};
TORCH_MODULE(CVAE);

}  // namespace ppl::models
