#include "ppl/core/primitives.h"

#include "ppl/core/generator.h"
#include "ppl/core/messenger.h"
#include "ppl/distributions/delta.h"
#include "ppl/distributions/unit.h"
#include "ppl/params/param_store.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl {

torch::Tensor Observation::value(const dist::Distribution& fn) const {
  if (!number_) return value_;
  // A draw of no values costs nothing and has the dtype and device that every draw has.
  const auto draws = fn.sample({0});
  return torch::scalar_tensor(*number_, draws.options());
}

torch::Tensor sample(const std::string& name, dist::DistributionPtr fn,
                     const Observation& observation, InferDict infer) {
  torch::Tensor obs = observation.value(*fn);
  if (handler_stack().empty()) return obs.defined() ? obs : fn->draw({}, current_generator());
  Message msg;
  msg.type = MessageType::sample;
  msg.name = name;
  msg.fn = std::move(fn);
  msg.is_observed = obs.defined();
  msg.value = std::move(obs);
  msg.infer = std::move(infer);
  apply_stack(msg);
  return msg.value;
}

torch::Tensor sample(const std::string& name, const dist::Distribution& fn,
                     const Observation& observation, InferDict infer) {
  if (handler_stack().empty()) {
    torch::Tensor obs = observation.value(fn);
    return obs.defined() ? obs : fn.draw({}, current_generator());
  }
  return sample(name, fn.clone(), observation, std::move(infer));
}

torch::Tensor param(const std::string& name, std::function<torch::Tensor()> init,
                    const constraints::ConstraintPtr& constraint) {
  if (handler_stack().empty()) return param_store().get_param(name, init, constraint);
  Message msg;
  msg.type = MessageType::param;
  msg.name = name;
  msg.param_init = std::move(init);
  msg.constraint = constraint;
  apply_stack(msg);
  return msg.value;
}

torch::Tensor param(const std::string& name, const torch::Tensor& init,
                    const constraints::ConstraintPtr& constraint) {
  return param(
      name, [init] { return init; }, constraint);
}

torch::Tensor param(const std::string& name, double init,
                    const constraints::ConstraintPtr& constraint) {
  return param(name, torch::scalar_tensor(init), constraint);
}

torch::Tensor param(const std::string& name) {
  return param(name, nullptr, constraints::real);
}

void module(const std::string& name, torch::nn::Module& module) {
  ParamStore& store = param_store();
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    const std::string full_name = name + kModuleSeparator + item.key();
    store.bind(full_name, item.value());
    param(full_name);  // a param site, so traces and SVI see it
  }
}

torch::Tensor deterministic(const std::string& name, const torch::Tensor& value,
                            int64_t event_dim) {
  return sample(name, dist::Delta(value, torch::Tensor(), event_dim), value,
                InferDict{{"_deterministic", true}});
}

void factor(const std::string& name, const torch::Tensor& log_factor) {
  dist::Unit unit(log_factor);
  sample(name, unit, unit.sample(), InferDict{{"is_auxiliary", true}});
}

}  // namespace ppl
