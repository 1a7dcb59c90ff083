#pragma once
// One file format for everything ppl saves (param stores, optimizer states, checkpoints):
// named tensors plus JSON metadata, streamed to disk without copies and written atomically.

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace ppl {

struct TensorArchive {
  nlohmann::json metadata = nlohmann::json::object();
  std::map<std::string, torch::Tensor> tensors;

  /// The tensor `name`; std::runtime_error naming `source` (the file) if absent.
  const torch::Tensor& tensor(const std::string& name, const std::string& source) const;
};

/// Writes `archive` to `path` atomically. Tensors are written from their own memory (CPU,
/// contiguous tensors are not copied).
void save_archive(const std::string& path, const TensorArchive& archive);

/// Reads an archive; std::runtime_error naming `path` if it is missing, truncated, corrupt or
/// not an archive. Tensors are loaded on the CPU.
TensorArchive load_archive(const std::string& path);

}  // namespace ppl
