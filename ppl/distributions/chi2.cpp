#include "ppl/distributions/chi2.h"

namespace ppl::dist {

Chi2::Chi2(TensorOrNumber df, std::optional<bool> validate_args)
    : Gamma(validate_args), df_(df.to_tensor(options_of({df}))) {
  concentration_ = 0.5 * df_;
  rate_ = torch::scalar_tensor(0.5, df_.options()).expand(df_.sizes());
  init(df_.sizes());
}

DistributionPtr Chi2::expand_ptr(const Shape& batch_shape) const {
  check_expand(batch_shape);
  auto expanded = std::make_shared<Chi2>(*this);
  for (torch::Tensor* parameter : {&expanded->df_, &expanded->concentration_, &expanded->rate_})
    *parameter = parameter->expand(batch_shape);
  expanded->batch_shape_ = batch_shape;
  return expanded;
}

}  // namespace ppl::dist
