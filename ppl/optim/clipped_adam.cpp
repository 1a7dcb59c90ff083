#include "ppl/optim/clipped_adam.h"

namespace ppl::optim {

void ClippedAdamOptions::check() const {
  detail::check_adam_options(*this, kName);
  detail::check_option(clip_norm() > 0, kName, "clip_norm", "positive", clip_norm());
  detail::check_option(lrd() > 0, kName, "lrd", "positive", lrd());
}

void ClippedAdam::update(OptionsSlot& slot, const torch::Tensor& param,
                         const torch::Tensor& grad) const {
  ClippedAdamOptions& options = slot.options;
  options.lr() *= options.lrd();
  step_adam(slot, param, grad.clamp(-options.clip_norm(), options.clip_norm()),
            detail::AdamEps::kBeforeBiasCorrection);
}

}  // namespace ppl::optim
