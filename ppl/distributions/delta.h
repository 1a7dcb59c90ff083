#pragma once
// Delta: a point mass at `v` (Pyro's `dist.Delta`), with an optional log density.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Point mass at `v`. The rightmost `event_dim` dims of `v` form the event. `log_density`
/// (undefined means 0) broadcasts to batch_shape and is added to log_prob.
class Delta : public DistributionBase<Delta> {
 public:
  /// std::invalid_argument if `event_dim` exceeds v.dim() or `log_density` does not broadcast to
  /// the batch shape.
  explicit Delta(torch::Tensor v, torch::Tensor log_density = {}, int64_t event_dim = 0,
                 std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Delta"; }
  const torch::Tensor& v() const { return v_; }
  const torch::Tensor& log_density() const { return log_density_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  /// log_density where `value` equals v (over the whole event), -inf elsewhere.
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override { return v_; }
  torch::Tensor variance() const override { return torch::zeros_like(v_); }
  /// independent(real, event_dim).
  constraints::ConstraintPtr support() const override;

 protected:
  std::vector<Arg> args() const override {
    return {{"v", &v_, constraints::dependent, event_dim()},
            {"log_density", &log_density_, constraints::real}};
  }

 private:
  torch::Tensor v_;
  torch::Tensor log_density_;
};

}  // namespace ppl::dist
