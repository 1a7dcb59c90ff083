#pragma once
// Thread count for LibTorch and the BLAS under it.

namespace ppl {

/// Sets LibTorch's intra-op threads and, when LibTorch runs on OpenBLAS (as Debian's does),
/// OpenBLAS's own thread pool, which `torch::set_num_threads` leaves alone.
void set_num_threads(int threads);

}  // namespace ppl
