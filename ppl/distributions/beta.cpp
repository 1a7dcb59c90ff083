#include "ppl/distributions/beta.h"

#include "ppl/distributions/dirichlet.h"

namespace ppl::dist {

Beta::Beta(TensorOrNumber concentration1, TensorOrNumber concentration0,
           std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(concentration1_, concentration0_) =
      broadcast_all("Beta: concentration1 and concentration0", concentration1, concentration0);
  init(concentration1_.sizes());
}

torch::Tensor Beta::rsample(const Shape& sample_shape,
                            c10::optional<at::Generator> generator) const {
  auto shape = extended_shape(sample_shape);
  shape.push_back(2);
  auto concentrations = torch::stack({concentration1_, concentration0_}, -1);
  if (!concentrations.sizes().equals(shape)) concentrations = concentrations.expand(shape);
  return detail::dirichlet_rsample(concentrations, std::move(generator)).select(-1, 0);
}

torch::Tensor Beta::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto total = concentration1_ + concentration0_;
  return at::xlogy(concentration1_ - 1, value)
      .add_(at::xlogy(concentration0_ - 1, 1 - value))
      .add_(total.lgamma().sub_(concentration1_.lgamma()).sub_(concentration0_.lgamma()));
}

torch::Tensor Beta::mean() const {
  return concentration1_ / (concentration1_ + concentration0_);
}

torch::Tensor Beta::variance() const {
  const auto total = concentration1_ + concentration0_;
  return concentration1_ * concentration0_ / (total.square() * (total + 1));
}

torch::Tensor Beta::entropy() const {
  const auto total = concentration1_ + concentration0_;
  return concentration1_.lgamma() + concentration0_.lgamma() - total.lgamma() -
         (concentration1_ - 1) * concentration1_.digamma() -
         (concentration0_ - 1) * concentration0_.digamma() + (total - 2) * total.digamma();
}

}  // namespace ppl::dist
