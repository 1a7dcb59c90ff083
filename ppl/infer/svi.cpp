#include "ppl/infer/svi.h"

namespace ppl::infer {

std::vector<std::pair<std::string, torch::Tensor>> params_of(const Trace& trace) {
  std::vector<std::pair<std::string, torch::Tensor>> params;
  const ParamStore& store = param_store();
  for (const Site& site : trace.sites())
    if (site.type == MessageType::param && store.contains(site.name))
      params.emplace_back(site.name, store.unconstrained(site.name));
  return params;
}

}  // namespace ppl::infer
