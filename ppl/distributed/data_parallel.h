#pragma once
// Data-parallel SVI: every process runs the same model and guide on its shard of each global
// batch; gradients are averaged across processes before every process takes the same
// optimizer step (PyTorch's DistributedDataParallel, Horovod's DistributedOptimizer).

#include "ppl/distributed/process_group.h"
#include "ppl/infer/step_reducer.h"

#include <torch/arg.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ppl::distributed {

struct DataParallelOptions {
  /// Gradients are flattened into buckets of at most this many bytes (a parameter larger than
  /// that gets one of its own), one allreduce per bucket.
  TORCH_ARG(int64_t, bucket_bytes) = 25 << 20;
};

/// `svi.set_reducer(std::make_shared<DataParallel>(group))`. Then in each SVI step:
///  - a parameter seen for the first time (created lazily by `param`, or registered by
///    `module`; or created anew, or from another param store) takes rank 0's value before model
///    and guide use it;
///  - the ranks check that they saw the same parameters (names, shapes, dtypes and which have a
///    gradient), then the gradients are averaged: concatenated in name order into buckets, one
///    allreduce (sum) per bucket, divided by the world size;
///  - the returned loss is the average of the ranks' losses, as is `evaluate_loss`'s.
///
/// Averaging is right when each rank's loss estimates the same global objective: a subsampled
/// plate scaled to the full data size, or, for a loss that sums over the rank's shard of a
/// global batch, the shard's terms scaled by the world size (`handlers::scale`).
/// Failures of the other ranks surface as PeerFailure from `step`.
class DataParallel : public infer::StepReducer {
 public:
  explicit DataParallel(std::shared_ptr<ProcessGroup> group, DataParallelOptions options = {});

  std::unique_ptr<Messenger> scope() override;
  double reduce_step(const optim::NamedParameters& params, double loss) override;
  double reduce_loss(double loss) override;

  ProcessGroup& group() { return *group_; }

  /// What the collectives cost so far, for benchmarks.
  struct Stats {
    int64_t steps = 0;             ///< reduce_step calls
    int64_t allreduces = 0;        ///< gradient buckets sent
    double reduce_seconds = 0;     ///< time in reduce_step (checks, buckets, loss)
    int64_t broadcast_params = 0;  ///< parameters taken from rank 0
  };
  const Stats& stats() const { return stats_; }

 private:
  class ParamBroadcast;
  /// What a rank is doing at the small allgather that precedes every exchange of tensors.
  enum class Activity { step = 1, new_param = 2 };
  static const char* activity_name(Activity activity);

  /// Consecutive gradients (name order) of one dtype and device in one flat tensor.
  struct Bucket {
    torch::Tensor flat;
    std::vector<torch::Tensor> params;
    std::vector<torch::Tensor> grads;  ///< each param's view of `flat`
  };
  /// One small allgather before every exchange of tensors: every rank must be doing the same
  /// `activity` on the same `what` (a description, compared by fingerprint), else PeerFailure
  /// says who does what. Returns the sum over ranks of `value`.
  double agree(Activity activity, const std::string& what, double value);
  /// Whether the buckets hold exactly the parameters of `sorted` that have a gradient.
  bool buckets_fit(const optim::NamedParameters& sorted) const;
  void make_buckets(const optim::NamedParameters& sorted);
  void average_gradients(const optim::NamedParameters& sorted);

  std::shared_ptr<ProcessGroup> group_;
  DataParallelOptions options_;
  /// Parameters taken from rank 0, by name: a name whose tensor has changed since (a param
  /// created anew, another param store) is taken again.
  std::unordered_map<std::string, torch::Tensor> synced_;
  std::vector<Bucket> buckets_;
  Stats stats_;
};

}  // namespace ppl::distributed
