#pragma once
// Dirichlet distribution over the probability simplex.

#include "ppl/distributions/distribution.h"

namespace ppl::dist {

/// Dirichlet(concentration) over the rightmost dim of `concentration` (event_shape (k,)), with
/// reparameterized sampling: normalized standard gamma draws with their implicit gradients.
class Dirichlet : public DistributionBase<Dirichlet> {
 public:
  /// std::invalid_argument if concentration is not at least one-dimensional, or (when
  /// validating) if a concentration is not positive.
  explicit Dirichlet(TensorOrNumber concentration,
                     std::optional<bool> validate_args = std::nullopt);

  std::string name() const override { return "Dirichlet"; }
  const torch::Tensor& concentration() const { return concentration_; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override;
  torch::Tensor log_prob(const torch::Tensor& value) const override;
  torch::Tensor mean() const override;
  torch::Tensor variance() const override;
  torch::Tensor entropy() const override;
  constraints::ConstraintPtr support() const override { return constraints::simplex; }

 protected:
  std::vector<Arg> args() const override {
    return {
        {"concentration", &concentration_, constraints::independent(constraints::positive, 1), 1}};
  }

 private:
  torch::Tensor concentration_;
};

}  // namespace ppl::dist
