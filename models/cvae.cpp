#include "models/cvae.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::models {

namespace nn = torch::nn;

namespace {

void check_label_shape(const torch::Tensor& labels) {
  if (!labels.defined() || labels.dim() != 1)
    throw std::invalid_argument(
        fmt::format("CVAE: labels of shape {}: expected class indices of shape (N)",
                    labels.defined() ? dist::shape_str(labels.sizes()) : "(undefined)"));
}

/// x as rows (N, image_size), after checking that it has one row per label.
torch::Tensor image_rows(const torch::Tensor& x, const torch::Tensor& labels, int64_t image_size) {
  check_label_shape(labels);
  if (!x.defined() || x.dim() == 0 || x.size(0) != labels.size(0) ||
      x.numel() != x.size(0) * image_size)
    throw std::invalid_argument(fmt::format(
        "CVAE: images of shape {} and {} labels: expected one label per image of {} pixels",
        x.defined() ? dist::shape_str(x.sizes()) : "(undefined)", labels.size(0), image_size));
  return x.reshape({x.size(0), image_size});
}

/// Pixels are intensities in [0, 1], not binary: no support check, as Pyro's tutorial does with
/// validate_args=False.
dist::Independent pixel_likelihood(const torch::Tensor& probs) {
  return dist::Bernoulli(probs, /*validate_args=*/false).to_event(1);
}

std::vector<int64_t> reversed(const std::vector<int64_t>& sizes) {
  return {sizes.rbegin(), sizes.rend()};
}

}  // namespace

torch::Tensor one_hot_labels(const torch::Tensor& labels, int64_t num_classes, torch::Dtype dtype) {
  check_label_shape(labels);
  if (!c10::isIntegralType(labels.scalar_type(), /*includeBool=*/false))
    throw std::invalid_argument(
        fmt::format("CVAE: labels of type {}: expected integer class indices",
                    c10::toString(labels.scalar_type())));
  const auto indices = labels.to(torch::kLong);
  // On an accelerator the check is a host sync, so there it follows the validation switch.
  if (indices.is_cpu() || is_validation_enabled()) {
    const auto outside = indices.lt(0).logical_or(indices.ge(num_classes));
    if (const auto first = dist::first_true_index(outside)) {
      const int64_t i = first->at(0);
      throw std::invalid_argument(fmt::format("CVAE: label {} (at index {}) is outside [0, {})",
                                              indices[i].item<int64_t>(), i, num_classes));
    }
  }
  return nn::functional::one_hot(indices, num_classes).to(dtype);
}

ConditionalEncoderImpl::ConditionalEncoderImpl(const CVAEOptions& options)
    : options_(options),
      hidden_(register_module("hidden", MLP(options.image_size() + options.num_classes(),
                                            options.hidden_dims(), options.activation()))),
      loc_(register_module("loc", nn::Linear(hidden_->output_size(), options.z_dim()))),
      scale_(register_module("scale", nn::Linear(hidden_->output_size(), options.z_dim()))) {}

dist::Normal ConditionalEncoderImpl::forward(const torch::Tensor& x, const torch::Tensor& labels) {
  const auto images = image_rows(x, labels, options_.image_size());
  const auto y = one_hot_labels(labels, options_.num_classes(), images.scalar_type());
  auto hidden = hidden_(torch::cat({images, y}, 1));
  return dist::Normal::from_log_scale(loc_(hidden), scale_(hidden));
}

ConditionalDecoderImpl::ConditionalDecoderImpl(const CVAEOptions& options)
    : options_(options),
      hidden_(
          register_module("hidden", MLP(options.z_dim() + options.num_classes(),
                                        reversed(options.hidden_dims()), options.activation()))),
      loc_(register_module("loc", nn::Linear(hidden_->output_size(), options.image_size()))) {}

torch::Tensor ConditionalDecoderImpl::forward(const torch::Tensor& z, const torch::Tensor& labels) {
  check_label_shape(labels);
  if (!z.defined() || z.dim() != 2 || z.size(0) != labels.size(0) || z.size(1) != options_.z_dim())
    throw std::invalid_argument(
        fmt::format("CVAE decoder: latents of shape {} and {} labels: expected ({}, {})",
                    z.defined() ? dist::shape_str(z.sizes()) : "(undefined)", labels.size(0),
                    labels.size(0), options_.z_dim()));
  const auto y = one_hot_labels(labels, options_.num_classes(), z.scalar_type());
  return torch::sigmoid(loc_(hidden_(torch::cat({z, y}, 1))));
}

CVAEImpl::CVAEImpl(const CVAEOptions& options)
    : encoder(register_module("encoder", ConditionalEncoder(options))),
      decoder(register_module("decoder", ConditionalDecoder(options))),
      options_(options) {
  if (options.z_dim() < 1 || options.image_size() < 1 || options.num_classes() < 1)
    throw std::invalid_argument(
        fmt::format("CVAE: z_dim {}, image_size {} and num_classes {}: expected all positive",
                    options.z_dim(), options.image_size(), options.num_classes()));
}

dist::Independent CVAEImpl::likelihood(const torch::Tensor& z, const torch::Tensor& labels) {
  return pixel_likelihood(decoder->forward(z, labels));
}

torch::Tensor CVAEImpl::model(const torch::Tensor& x, const torch::Tensor& labels) {
  ppl::module("decoder", decoder);
  const auto images = image_rows(x, labels, options_.image_size());
  const int64_t batch = images.size(0);
  ppl::plate data("data", batch);
  auto z_loc = torch::zeros({batch, options_.z_dim()}, images.options());
  auto z_scale = torch::ones({batch, options_.z_dim()}, images.options());
  auto z = ppl::sample("latent", dist::Normal(z_loc, z_scale).to_event(1));
  auto probs = decoder->forward(z, labels);
  ppl::sample("obs", pixel_likelihood(probs), images);
  return probs;
}

void CVAEImpl::guide(const torch::Tensor& x, const torch::Tensor& labels) {
  ppl::module("encoder", encoder);
  const auto images = image_rows(x, labels, options_.image_size());
  ppl::plate data("data", images.size(0));
  ppl::sample("latent", encoder->forward(images, labels).to_event(1));
}

torch::Tensor CVAEImpl::generate(const torch::Tensor& labels,
                                 c10::optional<at::Generator> generator) {
  torch::NoGradGuard no_grad;
  check_label_shape(labels);
  const auto dtype = decoder->parameters().front().scalar_type();
  const std::vector<int64_t> shape{labels.size(0), options_.z_dim()};
  const auto z = generator
                     ? torch::randn(shape, *generator, torch::dtype(dtype)).to(labels.device())
                     : torch::randn(shape, torch::dtype(dtype).device(labels.device()));
  return decoder->forward(z, labels);
}

torch::Tensor CVAEImpl::reconstruct_img(const torch::Tensor& x, const torch::Tensor& labels) {
  auto z = encoder->forward(x, labels).sample({}, ppl::current_generator());
  return decoder->forward(z, labels);
}

}  // namespace ppl::models
