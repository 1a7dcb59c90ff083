#include "ppl/optim/sgd.h"

namespace ppl::optim {

void SGDOptions::check() const {
  detail::check_option(lr() >= 0, kName, "lr", "non-negative", lr());
  detail::check_option(momentum() >= 0, kName, "momentum", "non-negative", momentum());
  detail::check_option(weight_decay() >= 0, kName, "weight_decay", "non-negative", weight_decay());
  if (nesterov()) {
    detail::check_option(momentum() > 0, kName, "momentum", "positive with nesterov", momentum());
    detail::check_option(dampening() == 0, kName, "dampening", "0 with nesterov", dampening());
  }
}

const std::vector<std::string>& SGD::tensor_names() const {
  static const std::vector<std::string> names{"momentum_buffer"};
  return names;
}

void SGD::init(OptionsSlot&) const {}  // the momentum buffer starts as the first update

void SGD::update(OptionsSlot& slot, const torch::Tensor& param, const torch::Tensor& grad) const {
  const SGDOptions& options = slot.options;
  torch::Tensor d = options.weight_decay() != 0 ? grad.add(param, options.weight_decay()) : grad;
  slot.step += 1;
  if (options.momentum() != 0) {
    torch::Tensor& buffer = slot.tensors[0];
    if (!buffer.defined()) {
      buffer = d.clone();
    } else {
      buffer.mul_(options.momentum()).add_(d, 1 - options.dampening());
    }
    d = options.nesterov() ? d.add(buffer, options.momentum()) : buffer;
  }
  param.add_(d, -options.lr());
}

}  // namespace ppl::optim
