#include "ppl/infer/autoguide/initialization.h"

#include "ppl/core/generator.h"
#include "ppl/distributions/transforms/biject_to.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::infer {
namespace {

/// A draw from the site's distribution, without gradient.
torch::Tensor draw(const Message& site, const dist::Shape& sample_shape = {}) {
  return site.fn->sample(sample_shape, current_generator()).detach();
}

/// Whether the innermost non-wrapper distribution has a non-trivial event (a vector-valued
/// distribution, whose elementwise median may leave the support).
bool is_multivariate(const dist::Distribution& fn) {
  const dist::Distribution* d = &fn;
  while (true) {
    if (auto* independent = dynamic_cast<const dist::Independent*>(d)) {
      d = independent->base().get();
    } else if (auto* masked = dynamic_cast<const dist::MaskedDistribution*>(d)) {
      d = masked->base().get();
    } else {
      break;
    }
  }
  for (int64_t size : d->event_shape())
    if (size > 1) return true;
  return false;
}

bool usable(const torch::Tensor& value, const dist::Distribution& fn) {
  if (value.isnan().any().item<bool>()) return false;
  return fn.support()->check(value).all().item<bool>();
}

/// The unconstrained image of a draw, replaced by `make(unconstrained)`, mapped back.
template <class Make>
torch::Tensor in_unconstrained_space(const Message& site, Make make) {
  const auto transform = transforms::transform_to(site.fn->support());
  return transform->forward(make(transform->inverse(draw(site))));
}

}  // namespace

InitFn init_to_feasible() {
  return [](const Message& site) {
    return in_unconstrained_space(site,
                                  [](const torch::Tensor& u) { return torch::zeros_like(u); });
  };
}

InitFn init_to_sample() {
  return [](const Message& site) { return draw(site); };
}

InitFn init_to_median(int64_t num_samples, InitFn fallback) {
  if (num_samples < 1)
    throw std::invalid_argument(
        fmt::format("init_to_median: num_samples must be >= 1, got {}", num_samples));
  return [num_samples, fallback = std::move(fallback)](const Message& site) {
    if (!is_multivariate(*site.fn)) {
      try {
        const auto samples = draw(site, {num_samples});
        const auto median = std::get<0>(samples.median(0));
        if (usable(median, *site.fn)) return median;
      } catch (const std::exception&) {  // a distribution without a sampler: try the fallback
      }
    }
    return fallback(site);
  };
}

InitFn init_to_mean(InitFn fallback) {
  return [fallback = std::move(fallback)](const Message& site) {
    try {
      const auto mean = site.fn->mean().detach().expand(site.fn->extended_shape()).clone();
      if (usable(mean, *site.fn)) return mean;
    } catch (const std::exception&) {  // no mean: try the fallback
    }
    return fallback(site);
  };
}

InitFn init_to_uniform(double radius) {
  if (!(radius > 0))
    throw std::invalid_argument(fmt::format("init_to_uniform: radius must be > 0, got {}", radius));
  return [radius](const Message& site) {
    return in_unconstrained_space(site, [radius](const torch::Tensor& u) {
      return torch::rand(u.sizes(), current_generator(), u.options()) * (2 * radius) - radius;
    });
  };
}

InitFn init_to_value(TensorDict values, InitFn fallback) {
  return [values = std::move(values), fallback = std::move(fallback)](const Message& site) {
    auto it = values.find(site.name);
    return it != values.end() ? it->second : fallback(site);
  };
}

InitMessenger::InitMessenger(InitFn init_fn) : init_fn_(std::move(init_fn)) {
  if (!init_fn_) throw std::invalid_argument("InitMessenger: the initialization strategy is empty");
}

void InitMessenger::process_message(Message& msg) {
  if (msg.type != MessageType::sample || msg.value.defined() || msg.done ||
      msg.fn->support()->is_discrete())
    return;
  torch::Tensor value;
  try {
    torch::NoGradGuard no_grad;
    value = init_fn_(msg);
  } catch (const std::exception& error) {
    throw std::invalid_argument(
        fmt::format("initializing sample site '{}': {}", msg.name, error.what()));
  }
  if (!value.defined())
    throw std::invalid_argument(
        fmt::format("initializing sample site '{}': the strategy gave no value", msg.name));
  if (is_validation_enabled() && value.sizes() != c10::IntArrayRef(msg.fn->extended_shape())) {
    throw std::invalid_argument(fmt::format(
        "initializing sample site '{}': expected a value of shape {} but found {}", msg.name,
        dist::shape_str(msg.fn->extended_shape()), dist::shape_str(value.sizes())));
  }
  msg.value = value;
}

}  // namespace ppl::infer
