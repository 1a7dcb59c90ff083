#include "ppl/distributions/straight_through.h"

#include <deque>
#include <mutex>

namespace ppl::dist::detail {

namespace {

struct Quantize : torch::autograd::Function<Quantize> {
  static torch::Tensor forward(torch::autograd::AutogradContext*, const torch::Tensor& soft,
                               Quantization quantization) {
    if (quantization == Quantization::round) return soft.round();
    return at::one_hot(soft.argmax(-1), soft.size(-1)).to(soft.scalar_type());
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext*,
                                                 torch::autograd::variable_list grad_outputs) {
    return {grad_outputs[0], torch::Tensor()};
  }
};

/// Recent straight-through results (held weakly) and the soft values they came from: C++ tensors
/// cannot carry Pyro's `_unquantize` attribute.
class SoftValues {
 public:
  void remember(const torch::Tensor& hard, const torch::Tensor& soft) {
    std::lock_guard<std::mutex> lock(mutex_);
    drop_expired();
    if (entries_.size() == kCapacity) entries_.pop_front();
    entries_.push_back({WeakTensor(hard.getIntrusivePtr()), soft});
  }
  torch::Tensor find(const torch::Tensor& value) {
    std::lock_guard<std::mutex> lock(mutex_);
    drop_expired();
    for (const Entry& entry : entries_) {
      // A weak reference keeps the address from being reused, so equal addresses are one tensor.
      if (entry.hard._unsafe_get_target() == value.unsafeGetTensorImpl()) return entry.soft;
    }
    return value;
  }

 private:
  static constexpr size_t kCapacity = 64;
  using WeakTensor = c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>;
  struct Entry {
    WeakTensor hard;
    torch::Tensor soft;
  };
  void drop_expired() {
    for (auto it = entries_.begin(); it != entries_.end();) {
      it = it->hard.expired() ? entries_.erase(it) : it + 1;
    }
  }

  std::mutex mutex_;
  std::deque<Entry> entries_;
};

SoftValues& soft_values() {
  static SoftValues values;
  return values;
}

}  // namespace

torch::Tensor straight_through(const torch::Tensor& soft, Quantization quantization) {
  auto hard = Quantize::apply(soft, quantization);
  soft_values().remember(hard, soft);
  return hard;
}

torch::Tensor unquantize(const torch::Tensor& value) {
  return soft_values().find(value);
}

}  // namespace ppl::dist::detail
