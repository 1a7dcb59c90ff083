#include "ppl/distributed/data_parallel.h"

#include "ppl/params/param_store.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <chrono>

namespace ppl::distributed {
namespace {

/// FNV-1a: a fingerprint of what each rank passes to a step, compared across ranks.
uint64_t fingerprint(const std::string& text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

std::string describe_params(const optim::NamedParameters& params) {
  std::string text;
  for (const auto& [name, tensor] : params)
    text += fmt::format("{}[{}]{}{}; ", name, fmt::join(tensor.sizes(), ","),
                        c10::toString(tensor.scalar_type()),
                        tensor.grad().defined() ? "" : " (no gradient)");
  return text;
}

/// Where the small bookkeeping tensors of the collectives live: NCCL needs them on the GPU.
torch::Device small_tensor_device(const ProcessGroup& group) {
  return group.backend() == "nccl" ? group.options().device() : torch::Device(torch::kCPU);
}

}  // namespace

/// Gives each parameter rank 0's value the first time a step sees it, before model or guide
/// use it. Runs outermost of the step's handlers, so it sees what the inner ones left.
class DataParallel::ParamBroadcast : public Messenger {
 public:
  [[nodiscard]] explicit ParamBroadcast(DataParallel& owner) : owner_(owner) {}

  void process_message(Message& msg) override {
    if (msg.type != MessageType::param || msg.value.defined()) return;
    ParamStore& store = param_store();
    const auto synced = owner_.synced_.find(msg.name);
    if (synced != owner_.synced_.end() && store.contains(msg.name) &&
        synced->second.is_same(store.unconstrained(msg.name)))
      return;
    store.get_param(msg.name, msg.param_init, msg.constraint);  // created as the default would
    const torch::Tensor& value = store.unconstrained(msg.name);
    owner_.agree(Activity::new_param,
                 fmt::format("param '{}' [{}] {}", msg.name, fmt::join(value.sizes(), ","),
                             c10::toString(value.scalar_type())),
                 0);
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> buffer{value.contiguous()};
    owner_.group_->broadcast(buffer, fmt::format("the initial value of param '{}'", msg.name));
    if (!buffer[0].is_same(value)) value.copy_(buffer[0]);
    owner_.synced_[msg.name] = value;
    ++owner_.stats_.broadcast_params;
  }

 private:
  DataParallel& owner_;
};

DataParallel::DataParallel(std::shared_ptr<ProcessGroup> group, DataParallelOptions options)
    : group_(std::move(group)), options_(options) {
  if (!group_) throw std::invalid_argument("DataParallel: the process group is null");
  if (options_.bucket_bytes() < 1)
    throw std::invalid_argument(fmt::format("DataParallel: bucket_bytes must be positive, got {}",
                                            options_.bucket_bytes()));
}

std::unique_ptr<Messenger> DataParallel::scope() {
  return std::make_unique<ParamBroadcast>(*this);
}

double DataParallel::reduce_step(const optim::NamedParameters& params, double loss) {
  const auto start = std::chrono::steady_clock::now();
  auto sorted = params;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });

  const double total = agree(Activity::step, describe_params(sorted), loss);
  average_gradients(sorted);
  ++stats_.steps;
  stats_.reduce_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return total / static_cast<double>(group_->world_size());
}

const char* DataParallel::activity_name(Activity activity) {
  return activity == Activity::step ? "at the reduction of a step" : "at the first use of a param";
}

double DataParallel::agree(Activity activity, const std::string& what, double value) {
  const uint64_t hash = fingerprint(what);
  const std::array<double, 3> mine{static_cast<double>(activity), static_cast<double>(hash >> 32),
                                   static_cast<double>(hash & 0xffffffffull)};
  const auto row =
      torch::tensor({mine[0], mine[1], mine[2], value},
                    torch::TensorOptions(torch::kFloat64).device(small_tensor_device(*group_)));
  const auto all = group_->allgather(row, "what every rank is doing").cpu();
  const auto rows = all.accessor<double, 2>();
  double total = 0;
  std::vector<std::string> others;
  for (int64_t r = 0; r < all.size(0); ++r) {
    total += rows[r][3];
    if (rows[r][0] != mine[0] || rows[r][1] != mine[1] || rows[r][2] != mine[2])
      others.push_back(fmt::format("rank {} is {}", r,
                                   rows[r][0] == mine[0] ? "at the same point with other params"
                                                         : activity_name(static_cast<Activity>(
                                                               static_cast<int>(rows[r][0])))));
  }
  if (!others.empty())
    throw PeerFailure(fmt::format(
        "DataParallel: the ranks disagree (every rank must run the same model and guide, "
        "meeting the same params in the same order): rank {} of {} is {} ({}), but {}",
        group_->rank(), group_->world_size(), activity_name(activity), what,
        fmt::join(others, "; ")));
  return total;
}

void DataParallel::make_buckets(const optim::NamedParameters& sorted) {
  buckets_.clear();
  std::vector<std::vector<torch::Tensor>> groups;  // consecutive params of one dtype and device
  int64_t bytes = 0;
  for (const auto& [name, param] : sorted) {
    if (!param.grad().defined()) continue;
    const int64_t size = param.numel() * static_cast<int64_t>(param.element_size());
    if (groups.empty() || bytes + size > options_.bucket_bytes() ||
        groups.back().front().scalar_type() != param.scalar_type() ||
        groups.back().front().device() != param.device()) {
      groups.emplace_back();
      bytes = 0;
    }
    groups.back().push_back(param);
    bytes += size;
  }
  torch::NoGradGuard no_grad;
  for (auto& params : groups) {
    int64_t numel = 0;
    for (const auto& param : params) numel += param.numel();
    Bucket bucket{torch::empty({numel}, params.front().options()), params, {}};
    int64_t offset = 0;
    for (const auto& param : params) {
      bucket.grads.push_back(bucket.flat.narrow(0, offset, param.numel()).view_as(param));
      offset += param.numel();
    }
    buckets_.push_back(std::move(bucket));
  }
}

bool DataParallel::buckets_fit(const optim::NamedParameters& sorted) const {
  auto bucket = buckets_.begin();
  size_t k = 0;
  for (const auto& [name, param] : sorted) {
    if (!param.grad().defined()) continue;
    if (bucket != buckets_.end() && k == bucket->params.size()) ++bucket, k = 0;
    if (bucket == buckets_.end() || !bucket->params[k].is_same(param)) return false;
    ++k;
  }
  return bucket == buckets_.end() || (k == bucket->params.size() && bucket + 1 == buckets_.end());
}

void DataParallel::average_gradients(const optim::NamedParameters& sorted) {
  if (!buckets_fit(sorted)) make_buckets(sorted);
  torch::NoGradGuard no_grad;
  for (Bucket& bucket : buckets_) {
    // Autograd accumulates into an existing gradient in place, so once a parameter's gradient
    // is its view of the bucket, the bucket already holds it (PyTorch DDP's
    // gradient_as_bucket_view); a gradient replaced since is copied in and made the view again.
    for (size_t k = 0; k < bucket.params.size(); ++k) {
      torch::Tensor& param = bucket.params[k];
      if (param.grad().is_same(bucket.grads[k])) continue;
      bucket.grads[k].copy_(param.grad());
      param.mutable_grad() = bucket.grads[k];
    }
    std::vector<torch::Tensor> sum{bucket.flat};
    group_->allreduce_sum(sum, "gradients");
    bucket.flat.div_(static_cast<double>(group_->world_size()));
    ++stats_.allreduces;
  }
}

double DataParallel::reduce_loss(double loss) {
  std::vector<torch::Tensor> value{torch::tensor(
      {loss}, torch::TensorOptions(torch::kFloat64).device(small_tensor_device(*group_)))};
  group_->allreduce_sum(value, "the evaluated loss");
  return value[0].item<double>() / static_cast<double>(group_->world_size());
}

}  // namespace ppl::distributed
