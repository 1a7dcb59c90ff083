#pragma once
// A tensor or a plain number: what a distribution's parameter, a constraint's bound or an affine
// transform's coefficient may be (`dist::Normal(0., 1.)`, `dist::Normal(loc, 2.0)`).

#include <torch/torch.h>

#include <string>
#include <vector>

namespace ppl::dist {

class TensorOrNumber {
 public:
  TensorOrNumber(torch::Tensor tensor) : tensor_(std::move(tensor)) {}      // NOLINT: implicit
  TensorOrNumber(double number) : number_(number) {}                        // NOLINT: implicit
  TensorOrNumber(int number) : number_(number) {}                           // NOLINT: implicit
  TensorOrNumber(int64_t number) : number_(static_cast<double>(number)) {}  // NOLINT: implicit

  bool is_number() const { return !tensor_.defined(); }
  /// The number; std::logic_error when this holds a tensor.
  double number() const;
  /// The tensor (undefined when this holds a number).
  const torch::Tensor& tensor() const { return tensor_; }
  /// The tensor, or the number as a 0-dim tensor with `options`.
  torch::Tensor to_tensor(const torch::TensorOptions& options) const;
  /// `f(number)` or `f(tensor)`: LibTorch's ops take either, so one generic lambda serves both
  /// without allocating a tensor for a number.
  template <class F>
  auto apply(F&& f) const {
    return tensor_.defined() ? f(tensor_) : f(number_);
  }
  /// "2"; for a tensor its value when it has one element, else "tensor of shape (3, 4)".
  std::string to_string() const;

 private:
  torch::Tensor tensor_;
  double number_ = 0;
};

/// The options numbers take among `arguments`: those of the first floating tensor, else the
/// default dtype on the first tensor's device, else the default dtype on the CPU.
torch::TensorOptions options_of(c10::ArrayRef<TensorOrNumber> arguments);

/// `arguments` as tensors broadcast to one shape (numbers become tensors with `options_of`);
/// std::invalid_argument naming `what` when the shapes do not broadcast.
std::vector<torch::Tensor> broadcast_arguments(c10::ArrayRef<TensorOrNumber> arguments,
                                               const std::string& what);

}  // namespace ppl::dist
