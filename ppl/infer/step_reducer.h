#pragma once
// How SVI takes part in data-parallel training: the hooks a replica strategy
// (ppl::distributed::DataParallel) gives SVI. SVI itself knows nothing of processes.

#include "ppl/core/messenger.h"
#include "ppl/optim/optimizer.h"

#include <memory>

namespace ppl::infer {

class StepReducer {
 public:
  virtual ~StepReducer() = default;

  /// A handler active while SVI runs model and guide (null for none): data-parallel training
  /// makes every replica start each parameter from the same value here.
  virtual std::unique_ptr<Messenger> scope() = 0;
  /// Called by `SVI::step` between the gradients and the optimizer: makes the gradients of
  /// `params` the same on every replica and returns the loss all replicas report.
  virtual double reduce_step(const optim::NamedParameters& params, double loss) = 0;
  /// Called by `SVI::evaluate_loss`: the loss all replicas report.
  virtual double reduce_loss(double loss) = 0;
};

}  // namespace ppl::infer
