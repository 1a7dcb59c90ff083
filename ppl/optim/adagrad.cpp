#include "ppl/optim/adagrad.h"

namespace ppl::optim {

void AdagradOptions::check() const {
  detail::check_option(lr() >= 0, kName, "lr", "non-negative", lr());
  detail::check_option(lr_decay() >= 0, kName, "lr_decay", "non-negative", lr_decay());
  detail::check_option(weight_decay() >= 0, kName, "weight_decay", "non-negative", weight_decay());
  detail::check_option(initial_accumulator_value() >= 0, kName, "initial_accumulator_value",
                       "non-negative", initial_accumulator_value());
  detail::check_option(eps() >= 0, kName, "eps", "non-negative", eps());
}

const std::vector<std::string>& Adagrad::tensor_names() const {
  static const std::vector<std::string> names{"sum"};
  return names;
}

void Adagrad::init(OptionsSlot& slot) const {
  slot.tensors[0] = slot.zeros().fill_(slot.options.initial_accumulator_value());
}

void Adagrad::update(OptionsSlot& slot, const torch::Tensor& param,
                     const torch::Tensor& grad) const {
  const AdagradOptions& options = slot.options;
  torch::Tensor& sum = slot.tensors[0];
  const torch::Tensor g =
      options.weight_decay() != 0 ? grad.add(param, options.weight_decay()) : grad;
  slot.step += 1;
  const double lr = options.lr() / (1 + static_cast<double>(slot.step - 1) * options.lr_decay());
  sum.addcmul_(g, g, 1.0);
  const torch::Tensor std = sum.sqrt().add_(options.eps());
  param.addcdiv_(g, std, -lr);
}

}  // namespace ppl::optim
