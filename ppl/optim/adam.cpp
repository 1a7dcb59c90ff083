#include "ppl/optim/adam.h"

namespace ppl::optim {

void AdamOptions::check() const {
  detail::check_adam_options(*this, kName);
}

}  // namespace ppl::optim
