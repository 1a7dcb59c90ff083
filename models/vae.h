#pragma once
// The variational autoencoder of Pyro's VAE tutorial, written against the public ppl API.

#include <ppl/ppl.h>

#include <torch/torch.h>

#include <utility>

namespace ppl::models {

/// Sizes of the VAE; the defaults are the tutorial's.
struct VAEOptions {
  TORCH_ARG(int64_t, z_dim) = 50;
  TORCH_ARG(int64_t, hidden_dim) = 400;
  TORCH_ARG(int64_t, image_size) = 784;
};

/// q(z | x): image -> hidden (softplus) -> (loc, scale = exp(.)).
class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const VAEOptions& options);
  /// x of shape (batch, image_size) or (batch, 1, 28, 28); returns (z_loc, z_scale).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& x);

 private:
  int64_t image_size_;
  torch::nn::Linear fc1_, fc21_, fc22_;
};
TORCH_MODULE(Encoder);

/// p(x | z) parameters: latent -> hidden (softplus) -> pixel probabilities (sigmoid).
class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const VAEOptions& options);
  torch::Tensor forward(const torch::Tensor& z);

 private:
  torch::nn::Linear fc1_, fc21_;
};
TORCH_MODULE(Decoder);

class VAEImpl : public torch::nn::Module {
 public:
  explicit VAEImpl(const VAEOptions& options = {});

  /// p(x, z) = N(z | 0, I) Bernoulli(x | decoder(z)), one latent per image in plate "data".
  /// `x` holds pixel intensities in [0, 1]; returns the decoded pixel probabilities.
  torch::Tensor model(const torch::Tensor& x);
  /// q(z | x) = N(z | encoder(x)).
  void guide(const torch::Tensor& x);

  /// Encodes, draws z from q(z | x) and decodes: pixel probabilities shaped like x's rows.
  torch::Tensor reconstruct_img(const torch::Tensor& x);

  const VAEOptions& options() const { return options_; }
  Encoder encoder;
  Decoder decoder;

 private:
  VAEOptions options_;
};
TORCH_MODULE(VAE);

}  // namespace ppl::models
