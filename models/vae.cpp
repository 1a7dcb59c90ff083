#include "models/vae.h"

#include <fmt/format.h>

#include <optional>
#include <stdexcept>
#include <utility>

namespace ppl::models {

namespace nn = torch::nn;

namespace {

constexpr std::pair<Activation, const char*> kActivations[] = {
    {Activation::softplus, "softplus"}, {Activation::relu, "relu"}, {Activation::tanh, "tanh"}};
constexpr std::pair<Likelihood, const char*> kLikelihoods[] = {
    {Likelihood::bernoulli, "bernoulli"},
    {Likelihood::continuous_bernoulli, "continuous-bernoulli"},
    {Likelihood::gaussian, "gaussian"},
    {Likelihood::igaussian, "igaussian"}};

template <class Enum, size_t N>
Enum from_string(const std::pair<Enum, const char*> (&table)[N], const std::string& name,
                 const char* what) {
  std::string choices;
  for (const auto& [value, text] : table) {
    if (name == text) return value;
    choices += fmt::format("{}{}", choices.empty() ? "" : ", ", text);
  }
  throw std::invalid_argument(
      fmt::format("unknown {} '{}': expected one of {}", what, name, choices));
}

template <class Enum, size_t N>
std::string to_string(const std::pair<Enum, const char*> (&table)[N], Enum value) {
  for (const auto& [entry, text] : table)
    if (entry == value) return text;
  throw std::invalid_argument("not an enumerator");
}

bool is_bernoulli(Likelihood likelihood) {
  return likelihood == Likelihood::bernoulli || likelihood == Likelihood::continuous_bernoulli;
}

}  // namespace

Activation activation_from_string(const std::string& name) {
  return from_string(kActivations, name, "activation");
}
std::string to_string(Activation activation) {
  return to_string(kActivations, activation);
}
Likelihood likelihood_from_string(const std::string& name) {
  return from_string(kLikelihoods, name, "likelihood");
}
std::string to_string(Likelihood likelihood) {
  return to_string(kLikelihoods, likelihood);
}

MLPImpl::MLPImpl(int64_t input_size, const std::vector<int64_t>& sizes, Activation activation)
    : activation_(activation), output_size_(input_size) {
  if (sizes.empty()) throw std::invalid_argument("MLP: expected at least one hidden layer");
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 1)
      throw std::invalid_argument(fmt::format(
          "MLP: hidden layer {} has size {}, expected a positive size", i + 1, sizes[i]));
    layers_.push_back(
        register_module(fmt::format("fc{}", i + 1), nn::Linear(output_size_, sizes[i])));
    output_size_ = sizes[i];
  }
}

torch::Tensor MLPImpl::forward(torch::Tensor x) {
  for (auto& layer : layers_) {
    x = layer(x);
    switch (activation_) {
      case Activation::softplus:
        x = torch::softplus(x);
        break;
      case Activation::relu:
        x = torch::relu(x);
        break;
      case Activation::tanh:
        x = torch::tanh(x);
        break;
    }
  }
  return x;
}

EncoderImpl::EncoderImpl(const VAEOptions& options)
    : image_size_(options.image_size()),
      log_variance_(options.encoder_log_variance()),
      hidden_(register_module(
          "hidden", MLP(options.image_size(), options.hidden_dims(), options.activation()))),
      loc_(register_module("loc", nn::Linear(hidden_->output_size(), options.z_dim()))),
      scale_(register_module("scale", nn::Linear(hidden_->output_size(), options.z_dim()))) {}

dist::Normal EncoderImpl::forward(const torch::Tensor& x) {
  auto hidden = hidden_(x.reshape({-1, image_size_}));
  auto head = scale_(hidden);
  return dist::Normal::from_log_scale(loc_(hidden), log_variance_ ? 0.5 * head : head);
}

DecoderImpl::DecoderImpl(const VAEOptions& options)
    : likelihood_(options.likelihood()),
      hidden_(register_module("hidden", MLP(options.z_dim(),
                                            std::vector<int64_t>(options.hidden_dims().rbegin(),
                                                                 options.hidden_dims().rend()),
                                            options.activation()))),
      loc_(register_module("loc", nn::Linear(hidden_->output_size(), options.image_size()))) {
  if (likelihood_ == Likelihood::gaussian)
    log_var_ = register_module("log_var", nn::Linear(hidden_->output_size(), options.image_size()));
}

PixelParams DecoderImpl::forward(const torch::Tensor& z) {
  auto hidden = hidden_(z);
  PixelParams params;
  params.loc = is_bernoulli(likelihood_) ? torch::sigmoid(loc_(hidden)) : loc_(hidden);
  if (log_var_) params.log_var = log_var_(hidden);
  return params;
}

VAEImpl::VAEImpl(const VAEOptions& options)
    : encoder(register_module("encoder", Encoder(options))),
      decoder(register_module("decoder", Decoder(options))),
      options_(options) {
  if (options.z_dim() < 1 || options.image_size() < 1 || !(options.beta() > 0))
    throw std::invalid_argument(
        fmt::format("VAE: z_dim {}, image_size {} and beta {}: expected all positive",
                    options.z_dim(), options.image_size(), options.beta()));
}

dist::Independent VAEImpl::likelihood(const torch::Tensor& z) {
  auto pixels = decoder->forward(z);
  switch (options_.likelihood()) {
    case Likelihood::bernoulli:
      // Pixels are intensities in [0, 1], not binary: skip Bernoulli's support check, as Pyro's
      // tutorial does with validate_args=False.
      return dist::Bernoulli(pixels.loc, /*validate_args=*/false).to_event(1);
    case Likelihood::continuous_bernoulli:
      return dist::ContinuousBernoulli(pixels.loc).to_event(1);
    case Likelihood::gaussian:
      return dist::Normal::from_log_scale(pixels.loc, 0.5 * pixels.log_var).to_event(1);
    case Likelihood::igaussian:
      return dist::Normal(pixels.loc, 1.0).to_event(1);
  }
  throw std::logic_error("unknown likelihood");
}

torch::Tensor VAEImpl::model(const torch::Tensor& x) {
  ppl::module("decoder", decoder);
  const int64_t batch = x.size(0);
  ppl::plate data("data", batch);
  auto z_loc = torch::zeros({batch, options_.z_dim()}, x.options());
  auto z_scale = torch::ones({batch, options_.z_dim()}, x.options());
  torch::Tensor z;
  {
    std::optional<handlers::ScaleMessenger> beta;  // the latent's terms weighted by beta
    if (options_.beta() != 1.0) beta.emplace(options_.beta());
    z = ppl::sample("latent", dist::Normal(z_loc, z_scale).to_event(1));
  }
  auto p_x = likelihood(z);
  ppl::sample("obs", p_x, x.reshape({-1, options_.image_size()}));
  return p_x.base()->mean();
}

void VAEImpl::guide(const torch::Tensor& x) {
  ppl::module("encoder", encoder);
  ppl::plate data("data", x.size(0));
  auto posterior = encoder->forward(x);
  std::optional<handlers::ScaleMessenger> beta;
  if (options_.beta() != 1.0) beta.emplace(options_.beta());
  ppl::sample("latent", posterior.to_event(1));
}

torch::Tensor VAEImpl::reconstruct_img(const torch::Tensor& x) {
  auto z = encoder->forward(x).sample({}, ppl::current_generator());
  return decoder->forward(z).loc;
}

}  // namespace ppl::models
