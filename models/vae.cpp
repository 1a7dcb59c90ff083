#include "models/vae.h"

namespace ppl::models {

namespace nn = torch::nn;

EncoderImpl::EncoderImpl(const VAEOptions& options)
    : image_size_(options.image_size()),
      fc1_(register_module("fc1", nn::Linear(options.image_size(), options.hidden_dim()))),
      fc21_(register_module("fc21", nn::Linear(options.hidden_dim(), options.z_dim()))),
      fc22_(register_module("fc22", nn::Linear(options.hidden_dim(), options.z_dim()))) {}

std::pair<torch::Tensor, torch::Tensor> EncoderImpl::forward(const torch::Tensor& x) {
  auto hidden = torch::softplus(fc1_(x.reshape({-1, image_size_})));
  return {fc21_(hidden), torch::exp(fc22_(hidden))};
}

DecoderImpl::DecoderImpl(const VAEOptions& options)
    : fc1_(register_module("fc1", nn::Linear(options.z_dim(), options.hidden_dim()))),
      fc21_(register_module("fc21", nn::Linear(options.hidden_dim(), options.image_size()))) {}

torch::Tensor DecoderImpl::forward(const torch::Tensor& z) {
  return torch::sigmoid(fc21_(torch::softplus(fc1_(z))));
}

VAEImpl::VAEImpl(const VAEOptions& options)
    : encoder(register_module("encoder", Encoder(options))),
      decoder(register_module("decoder", Decoder(options))),
      options_(options) {}

torch::Tensor VAEImpl::model(const torch::Tensor& x) {
  ppl::module("decoder", decoder);
  const int64_t batch = x.size(0);
  ppl::plate data("data", batch);
  auto z_loc = torch::zeros({batch, options_.z_dim()}, x.options());
  auto z_scale = torch::ones({batch, options_.z_dim()}, x.options());
  auto z = ppl::sample("latent", dist::Normal(z_loc, z_scale).to_event(1));
  auto loc_img = decoder->forward(z);
  // Pixels are intensities in [0, 1], not binary: skip Bernoulli's support check, as Pyro's
  // tutorial does with validate_args=False.
  ppl::sample("obs", dist::Bernoulli(loc_img, /*validate_args=*/false).to_event(1),
              x.reshape({-1, options_.image_size()}));
  return loc_img;
}

void VAEImpl::guide(const torch::Tensor& x) {
  ppl::module("encoder", encoder);
  ppl::plate data("data", x.size(0));
  auto [z_loc, z_scale] = encoder->forward(x);
  ppl::sample("latent", dist::Normal(z_loc, z_scale).to_event(1));
}

torch::Tensor VAEImpl::reconstruct_img(const torch::Tensor& x) {
  auto [z_loc, z_scale] = encoder->forward(x);
  auto z = dist::Normal(z_loc, z_scale).sample();
  return decoder->forward(z);
}

}  // namespace ppl::models
