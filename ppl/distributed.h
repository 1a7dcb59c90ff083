#pragma once
// Umbrella header of ppl::distributed, the optional target (built where the Gloo headers are):
// data-parallel SVI on c10d process groups. Link ppl::distributed to use it.

#include "ppl/distributed/data_parallel.h"
#include "ppl/distributed/process_group.h"
#include "ppl/distributed/sampler.h"
