#include "ppl/infer/autoguide/auto_diagonal_normal.h"

#include "ppl/core/primitives.h"
#include "ppl/distributions/normal.h"

namespace ppl::infer {

AutoDiagonalNormalImpl::AutoDiagonalNormalImpl(AutoDiagonalNormalOptions options)
    : AutoContinuousImpl(options.name(), options.init_loc_fn()),
      init_scale_(checked_init_scale(options.name(), options.init_scale())) {}

std::pair<torch::Tensor, torch::Tensor> AutoDiagonalNormalImpl::loc_and_scale() {
  auto loc = param(param_name("loc"), init_loc());
  auto scale = param(
      param_name("scale"), [&] { return torch::full_like(init_loc(), init_scale_); },
      constraints::softplus_positive);
  return {loc, scale};
}

std::shared_ptr<const dist::Independent> AutoDiagonalNormalImpl::get_posterior() {
  const auto [loc, scale] = loc_and_scale();
  return std::make_shared<const dist::Independent>(std::make_shared<const dist::Normal>(loc, scale),
                                                   1);
}

}  // namespace ppl::infer
