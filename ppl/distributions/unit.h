#pragma once
// Unit: the empty-valued distribution behind `ppl::factor`, contributing `log_factor` to log_prob.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Distribution over empty values (event_shape (0)) whose log_prob is `log_factor` (Pyro's
/// `Unit`): a factor statement adds an arbitrary term to a model's log joint.
class Unit : public DistributionBase<Unit> {
 public:
  explicit Unit(torch::Tensor log_factor, std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Unit"; }
  const torch::Tensor& log_factor() const { return log_factor_; }

  bool has_rsample() const override { return true; }
  /// An empty tensor of shape sample_shape + batch_shape + (0).
  torch::Tensor sample(const Shape& sample_shape = {},
                       c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// log_factor broadcast against value's batch dims.
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  constraints::ConstraintPtr support() const override { return constraints::real; }

 protected:
  std::vector<Arg> args() const override {
    return {{"log_factor", &log_factor_, constraints::real}};
  }

 private:
  torch::Tensor log_factor_;
};

}  // namespace ppl::dist
