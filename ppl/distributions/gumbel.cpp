#include "ppl/distributions/gumbel.h"

#include "ppl/distributions/finfo.h"

namespace ppl::dist {

torch::Tensor Gumbel::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto z = (loc_ - value) / scale_;
  return (z - z.exp()) - scale_.log();
}

torch::Tensor Gumbel::standard_sample(const Shape& shape, c10::optional<at::Generator> generator,
                                      const torch::TensorOptions& options) {
  // Uniform on (tiny, 1 - eps), as PyTorch's, so that both logs stay finite.
  const auto info = finfo(options.dtype().toScalarType());
  const auto u = at::rand(shape, std::move(generator), options);
  const auto uniform = info.tiny + u * (1 - info.eps - info.tiny);
  return -(-uniform.log()).log();
}

torch::Tensor Gumbel::standard_cdf(const torch::Tensor& z) {
  return (-(-z).exp()).exp();
}

torch::Tensor Gumbel::standard_icdf(const torch::Tensor& probability) {
  return -(-probability.log()).log();
}

}  // namespace ppl::dist
