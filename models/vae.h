#pragma once
// A configurable variational autoencoder, written against the public ppl API: the VAE of Pyro's
// tutorial by default, and the family of the reference documents (the PyTorch example, Kingma &
// Welling's three decoders, ZhuSuan's two-layer VAE) by its options.

#include <ppl/ppl.h>

#include <torch/torch.h>

#include <string>
#include <vector>

namespace ppl::models {

/// The nonlinearity after every hidden layer.
enum class Activation { softplus, relu, tanh };

/// p(x | z) per pixel, given the decoder's output.
enum class Likelihood {
  bernoulli,             ///< Bernoulli(probs = sigmoid(.)); pixels in [0, 1] are scored as is
  continuous_bernoulli,  ///< ContinuousBernoulli(probs = sigmoid(.)), normalized on [0, 1]
  gaussian,              ///< Normal::from_log_scale(loc, log_var / 2): loc, log-variance per pixel
  igaussian,             ///< Normal(loc, 1): identity covariance
};

/// "softplus", "relu", "tanh" and back; std::invalid_argument naming the choices otherwise.
Activation activation_from_string(const std::string& name);
std::string to_string(Activation activation);
/// "bernoulli", "continuous-bernoulli", "gaussian", "igaussian" and back.
Likelihood likelihood_from_string(const std::string& name);
std::string to_string(Likelihood likelihood);

/// Sizes and choices of the VAE; the defaults are Pyro's tutorial.
struct VAEOptions {
  TORCH_ARG(int64_t, z_dim) = 50;
  /// The encoder's hidden layers, input side first; the decoder's are the same in reverse.
  TORCH_ARG(std::vector<int64_t>, hidden_dims) = std::vector<int64_t>{400};
  TORCH_ARG(Activation, activation) = Activation::softplus;
  TORCH_ARG(Likelihood, likelihood) = Likelihood::bernoulli;
  /// The encoder's second head is log sigma^2 (the PyTorch example, Kingma & Welling) instead of
  /// log sigma (Pyro's tutorial, ZhuSuan).
  TORCH_ARG(bool, encoder_log_variance) = false;
  /// Weight of the latent's terms, log p(z) - log q(z) (or -KL): a beta-VAE when not 1.
  TORCH_ARG(double, beta) = 1.0;
  TORCH_ARG(int64_t, image_size) = 784;
};

/// A stack of Linear layers, each followed by the activation.
class MLPImpl : public torch::nn::Module {
 public:
  MLPImpl(int64_t input_size, const std::vector<int64_t>& sizes, Activation activation);
  torch::Tensor forward(torch::Tensor x);
  int64_t output_size() const { return output_size_; }

 private:
  std::vector<torch::nn::Linear> layers_;
  Activation activation_;
  int64_t output_size_;
};
TORCH_MODULE(MLP);

/// q(z | x): image -> hidden layers -> loc and the scale head (log sigma, or log sigma^2 with
/// encoder_log_variance), as a Normal from its log-scale.
class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const VAEOptions& options);
  /// x of shape (batch, image_size) or (batch, 1, 28, 28); q(z | x) of batch shape
  /// (batch, z_dim).
  dist::Normal forward(const torch::Tensor& x);

 private:
  int64_t image_size_;
  bool log_variance_;
  MLP hidden_;
  torch::nn::Linear loc_, scale_;
};
TORCH_MODULE(Encoder);

/// The parameters of p(x | z) per pixel.
struct PixelParams {
  torch::Tensor loc;      ///< probabilities (Bernoulli kinds) or Gaussian means
  torch::Tensor log_var;  ///< the Gaussian's log-variance; undefined for the other likelihoods
};

/// z -> hidden layers -> pixel parameters (sigmoid for the Bernoulli kinds, linear otherwise).
class DecoderImpl : public torch::nn::Module {
 public:
  explicit DecoderImpl(const VAEOptions& options);
  PixelParams forward(const torch::Tensor& z);

 private:
  Likelihood likelihood_;
  MLP hidden_;
  torch::nn::Linear loc_, log_var_{nullptr};
};
TORCH_MODULE(Decoder);

class VAEImpl : public torch::nn::Module {
 public:
  explicit VAEImpl(const VAEOptions& options = {});

  /// p(x, z) = N(z | 0, I) p(x | decoder(z)), one latent per image in plate "data". Returns the
  /// decoded pixel means (probabilities or Gaussian locs).
  torch::Tensor model(const torch::Tensor& x);
  /// q(z | x) = N(z | encoder(x)).
  void guide(const torch::Tensor& x);

  /// p(x | z) for a batch of latents (batch, z_dim): an event of image_size pixels per row.
  dist::Independent likelihood(const torch::Tensor& z);
  /// Encodes, draws z from q(z | x) (with the generator of ppl's draws, current_generator) and
  /// decodes: pixel means shaped like x's rows.
  torch::Tensor reconstruct_img(const torch::Tensor& x);

  const VAEOptions& options() const { return options_; }
  Encoder encoder;
  Decoder decoder;

 private:
  VAEOptions options_;
};
TORCH_MODULE(VAE);

}  // namespace ppl::models
