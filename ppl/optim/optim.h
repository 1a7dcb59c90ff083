#pragma once
// All optimizers: Pyro-style wrappers with lazy per-parameter state (ppl::optim).

#include "ppl/optim/adagrad.h"
#include "ppl/optim/adam.h"
#include "ppl/optim/clipped_adam.h"
#include "ppl/optim/optimizer.h"
#include "ppl/optim/rmsprop.h"
#include "ppl/optim/sgd.h"
