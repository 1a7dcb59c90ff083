#include "ppl/optim/rmsprop.h"

namespace ppl::optim {

void RMSpropOptions::check() const {
  detail::check_option(lr() >= 0, kName, "lr", "non-negative", lr());
  detail::check_option(alpha() >= 0, kName, "alpha", "non-negative", alpha());
  detail::check_option(eps() >= 0, kName, "eps", "non-negative", eps());
  detail::check_option(weight_decay() >= 0, kName, "weight_decay", "non-negative", weight_decay());
  detail::check_option(momentum() >= 0, kName, "momentum", "non-negative", momentum());
}

const std::vector<std::string>& RMSprop::tensor_names() const {
  static const std::vector<std::string> names{"square_avg", "momentum_buffer", "grad_avg"};
  return names;
}

void RMSprop::init(OptionsSlot& slot) const {
  slot.tensors[0] = slot.zeros();
  if (slot.options.momentum() > 0) slot.tensors[1] = slot.zeros();
  if (slot.options.centered()) slot.tensors[2] = slot.zeros();
}

void RMSprop::update(OptionsSlot& slot, const torch::Tensor& param,
                     const torch::Tensor& grad) const {
  const RMSpropOptions& options = slot.options;
  const double alpha = options.alpha();
  torch::Tensor& square_avg = slot.tensors[0];
  const torch::Tensor g =
      options.weight_decay() != 0 ? grad.add(param, options.weight_decay()) : grad;
  slot.step += 1;
  square_avg.mul_(alpha).addcmul_(g, g, 1 - alpha);
  torch::Tensor avg;
  if (options.centered()) {
    torch::Tensor& grad_avg = slot.tensors[2];
    grad_avg.mul_(alpha).add_(g, 1 - alpha);
    avg = square_avg.addcmul(grad_avg, grad_avg, -1).sqrt_().add_(options.eps());
  } else {
    avg = square_avg.sqrt().add_(options.eps());
  }
  if (options.momentum() > 0) {
    torch::Tensor& buffer = slot.tensors[1];
    buffer.mul_(options.momentum()).addcdiv_(g, avg);
    param.add_(buffer, -options.lr());
  } else {
    param.addcdiv_(g, avg, -options.lr());
  }
}

}  // namespace ppl::optim
