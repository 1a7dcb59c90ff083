#pragma once
// A c10d process group with torchrun's conventions: how the processes of a data-parallel run
// find each other and exchange tensors. Gloo on CPU, NCCL for CUDA tensors when ppl is built
// against a CUDA LibTorch with NCCL. c10d stays out of this header.

#include <torch/arg.h>
#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ppl::distributed {

struct ProcessGroupOptions {
  /// std::invalid_argument naming the option unless the options are consistent.
  void check() const;

  TORCH_ARG(int64_t, rank) = 0;
  TORCH_ARG(int64_t, world_size) = 1;
  /// The process's index on its machine (which GPU it uses).
  TORCH_ARG(int64_t, local_rank) = 0;
  /// Where rank 0 serves the rendezvous store (a TCPStore). A loopback address (127.x, ::1,
  /// localhost) means a run on one machine: the ranks meet through a FileStore in the private
  /// directory <$XDG_RUNTIME_DIR, else $TMPDIR, else /tmp>/ppl-rendezvous-<uid>-<master_port>.
  TORCH_ARG(std::string, master_addr) = "127.0.0.1";
  TORCH_ARG(int64_t, master_port) = 29500;
  /// "gloo", "nccl", or "auto": NCCL when `device` is CUDA and ppl has it, else Gloo.
  TORCH_ARG(std::string, backend) = "auto";
  /// Where the tensors of the collectives live.
  TORCH_ARG(torch::Device, device) = torch::kCPU;
  /// How long joining, and then each collective, may wait for the other ranks.
  TORCH_ARG(std::chrono::milliseconds, timeout) = std::chrono::minutes(5);
};

/// Whether this process was started by a launcher that sets torchrun's variables
/// (WORLD_SIZE is set).
bool launched_with_environment();

/// Options from torchrun's variables RANK, WORLD_SIZE, LOCAL_RANK (default: RANK), MASTER_ADDR
/// and MASTER_PORT; PPL_DIST_TIMEOUT (seconds) sets the timeout. std::invalid_argument naming
/// the variable when one is missing, not a number, or inconsistent with the others.
ProcessGroupOptions options_from_environment();

/// A collective failed: a peer died, hangs past the timeout, or the ranks disagree. `what()`
/// names the operation and, when they could be found, the ranks that did not answer.
class PeerFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The processes of one run. Constructing it joins the run: rank 0 serves the store at
/// master_addr:master_port (or, on one machine, creates the rendezvous directory), every rank
/// announces itself there and waits (up to the timeout) for all the others; std::runtime_error
/// names an unreachable master, a port in use (a directory in use, not private, or left over
/// from a dead run), the ranks that did not arrive, a WORLD_SIZE that differs from rank 0's or a
/// rank taken twice. Destroying it on rank 0 of a local run removes the directory once the other
/// ranks have left (waiting at most 10 s).
///
/// Collectives are blocking and in place; every rank must make the same calls in the same
/// order with tensors of the same shapes and dtype. A failure throws PeerFailure.
class ProcessGroup {
 public:
  explicit ProcessGroup(const ProcessGroupOptions& options);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int64_t rank() const;
  int64_t world_size() const;
  int64_t local_rank() const;
  const ProcessGroupOptions& options() const;
  /// "gloo" or "nccl".
  const std::string& backend() const;

  /// Sums each tensor across ranks, in place. `what` names the data in errors ("gradients").
  void allreduce_sum(std::vector<torch::Tensor>& tensors, const std::string& what);
  /// Overwrites each tensor with `root`'s.
  void broadcast(std::vector<torch::Tensor>& tensors, const std::string& what, int64_t root = 0);
  /// Every rank's `tensor` (same shape on all), stacked in rank order: (world_size, ...).
  torch::Tensor allgather(const torch::Tensor& tensor, const std::string& what);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ppl::distributed
