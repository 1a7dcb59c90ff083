#include "ppl/distributions/tensor_or_number.h"

#include "ppl/distributions/distribution.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::dist {

double TensorOrNumber::number() const {
  if (tensor_.defined()) throw std::logic_error("TensorOrNumber holds a tensor, not a number");
  return number_;
}

torch::Tensor TensorOrNumber::to_tensor(const torch::TensorOptions& options) const {
  return tensor_.defined() ? tensor_ : torch::scalar_tensor(number_, options);
}

std::string TensorOrNumber::to_string() const {
  if (!tensor_.defined()) return fmt::format("{}", number_);
  if (tensor_.numel() == 1) return fmt::format("{}", tensor_.item<double>());
  return fmt::format("tensor of shape {}", shape_str(tensor_.sizes()));
}

torch::TensorOptions options_of(c10::ArrayRef<TensorOrNumber> arguments) {
  const torch::Tensor* first = nullptr;
  for (const TensorOrNumber& argument : arguments) {
    const torch::Tensor& tensor = argument.tensor();
    if (!tensor.defined()) continue;
    if (tensor.is_floating_point()) return tensor.options();
    if (!first) first = &tensor;
  }
  // Numbers next to integer tensors only (Binomial(total_count_tensor, 0.5)) are real-valued.
  const auto options = first ? first->options() : torch::TensorOptions();
  return options.dtype(at::get_default_dtype());
}

std::vector<torch::Tensor> broadcast_arguments(c10::ArrayRef<TensorOrNumber> arguments,
                                               const std::string& what) {
  bool any_number = false;
  for (const TensorOrNumber& argument : arguments) any_number |= argument.is_number();
  const auto options = any_number ? options_of(arguments) : torch::TensorOptions();
  std::vector<torch::Tensor> tensors;
  tensors.reserve(arguments.size());
  Shape shape;
  for (const TensorOrNumber& argument : arguments) {
    tensors.push_back(argument.to_tensor(options));
    if (!tensors.back().sizes().equals(shape)) {
      shape = broadcast_shapes(shape, tensors.back().sizes(), what);
    }
  }
  for (torch::Tensor& tensor : tensors) {
    if (!tensor.sizes().equals(shape)) tensor = tensor.expand(shape);
  }
  return tensors;
}

}  // namespace ppl::dist
