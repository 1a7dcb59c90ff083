#include "ppl/core/threads.h"

#include <torch/torch.h>

#include <dlfcn.h>

namespace ppl {

void set_num_threads(int threads) {
  torch::set_num_threads(threads);
  using SetBlasThreads = void (*)(int);
  if (auto set_blas_threads =
          reinterpret_cast<SetBlasThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    set_blas_threads(threads);
}

}  // namespace ppl
