#pragma once
// Readers for the IDX format of MNIST (http://yann.lecun.com/exdb/mnist/), raw or gzipped.
//
// An IDX file is a big-endian header (magic 0x0000TTDD: data type TT, number of dims DD, then DD
// uint32 sizes) followed by exactly prod(sizes) elements. Only unsigned bytes (TT = 0x08) are read.
// Every problem (missing file, wrong magic, truncated or corrupt data, trailing bytes, sizes that
// differ from the expected ones) throws std::runtime_error naming the file, what was expected and
// what was found.

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace ppl::examples {

/// Sizes an IDX file must have; a negative field accepts any size.
struct IdxExpect {
  int64_t count = -1;  ///< number of images or labels
  int64_t rows = -1;   ///< image height (images only)
  int64_t cols = -1;   ///< image width (images only)
};

/// Reads an IDX image file (magic 0x00000803), gzipped if it starts with the bytes 1f 8b.
/// Returns a uint8 tensor of shape (N, rows, cols).
torch::Tensor read_idx_images(const std::string& path, const IdxExpect& expect = {});

/// Reads an IDX label file (magic 0x00000801), gzipped if it starts with the bytes 1f 8b.
/// Returns a uint8 tensor of shape (N).
torch::Tensor read_idx_labels(const std::string& path, const IdxExpect& expect = {});

}  // namespace ppl::examples
