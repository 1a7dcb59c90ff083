#include "ppl/distributions/log_normal.h"

#include "ppl/distributions/normal.h"
#include "ppl/distributions/transforms/exp.h"

namespace ppl::dist {

namespace {

// Normal(loc, scale), unvalidated: LogNormal validates the same tensors under its own name.
DistributionPtr log_normal_base(const TensorOrNumber& loc, const TensorOrNumber& scale) {
  const auto [loc_tensor, scale_tensor] = broadcast_all("LogNormal: loc and scale", loc, scale);
  return std::make_shared<Normal>(loc_tensor, scale_tensor, /*validate_args=*/false);
}

const transforms::TransformPtr& exp_transform() {
  static const transforms::TransformPtr exp = std::make_shared<transforms::Exp>();
  return exp;
}

}  // namespace

LogNormal::LogNormal(TensorOrNumber loc, TensorOrNumber scale, std::optional<bool> validate_args)
    : TransformedDistribution(log_normal_base(loc, scale), {exp_transform()}, validate_args) {
  const auto& normal = static_cast<const Normal&>(*base());
  loc_ = normal.loc();
  scale_ = normal.scale();
  validate_args_now();
}

torch::Tensor LogNormal::mean() const {
  return (loc_ + scale_.square() / 2).exp();
}

torch::Tensor LogNormal::variance() const {
  const auto scale_squared = scale_.square();
  return scale_squared.expm1() * (2 * loc_ + scale_squared).exp();
}

torch::Tensor LogNormal::entropy() const {
  return base()->entropy() + loc_;
}

}  // namespace ppl::dist
