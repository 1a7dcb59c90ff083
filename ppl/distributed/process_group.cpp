#include "ppl/distributed/process_group.h"

#include "ppl/distributed/local_rendezvous.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef PPL_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>

namespace ppl::distributed {
namespace {

using std::chrono::milliseconds;

double seconds(milliseconds duration) {
  return static_cast<double>(duration.count()) / 1000;
}

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

/// The integer in variable `name`; std::invalid_argument naming it when it is missing (and no
/// fallback is given) or not an integer.
int64_t integer_variable(const char* name, std::optional<int64_t> fallback = std::nullopt) {
  const auto text = variable(name);
  if (!text) {
    if (fallback) return *fallback;
    throw std::invalid_argument(fmt::format(
        "distributed: environment variable {} is not set (a launcher such as torchrun or "
        "scripts/launch sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT)",
        name));
  }
  size_t end = 0;
  int64_t value = 0;
  try {
    value = std::stoll(*text, &end);
  } catch (const std::exception&) {
    end = 0;
  }
  if (end == 0 || end != text->size())
    throw std::invalid_argument(
        fmt::format("distributed: environment variable {}='{}' is not an integer", name, *text));
  return value;
}

bool is_loopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

/// Gloo's endpoint for this process: the interface GLOO_SOCKET_IFNAME names, the loopback
/// device for a run on one machine, else the address this machine's hostname resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const auto interface = variable("GLOO_SOCKET_IFNAME"))
    return c10d::ProcessGroupGloo::createDeviceForInterface(*interface);
  if (is_loopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

std::string join_key(int64_t rank) {
  return fmt::format("ppl/joined/{}", rank);
}

std::string pid_key(int64_t rank) {
  return fmt::format("ppl/pid/{}", rank);
}

std::vector<uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

/// How long shutdown and the census after a failure wait for the other ranks.
milliseconds patience(milliseconds timeout) {
  return std::min<milliseconds>(timeout, std::chrono::seconds(10));
}

}  // namespace

void ProcessGroupOptions::check() const {
  if (world_size() < 1)
    throw std::invalid_argument(
        fmt::format("distributed: world_size must be >= 1, got {}", world_size()));
  if (rank() < 0 || rank() >= world_size())
    throw std::invalid_argument(
        fmt::format("distributed: rank {} is outside [0, {}) for world_size {}", rank(),
                    world_size(), world_size()));
  if (local_rank() < 0 || local_rank() > rank())
    throw std::invalid_argument(
        fmt::format("distributed: local_rank {} must be in [0, rank = {}]", local_rank(), rank()));
  if (master_port() < 1 || master_port() > 65535)
    throw std::invalid_argument(
        fmt::format("distributed: master_port must be in [1, 65535], got {}", master_port()));
  if (master_addr().empty()) throw std::invalid_argument("distributed: master_addr is empty");
  if (backend() != "auto" && backend() != "gloo" && backend() != "nccl")
    throw std::invalid_argument(
        fmt::format("distributed: backend must be auto, gloo or nccl, got '{}'", backend()));
  if (timeout().count() <= 0)
    throw std::invalid_argument(
        fmt::format("distributed: timeout must be positive, got {} ms", timeout().count()));
}

bool launched_with_environment() {
  return variable("WORLD_SIZE").has_value();
}

ProcessGroupOptions options_from_environment() {
  ProcessGroupOptions options;
  options.world_size(integer_variable("WORLD_SIZE"));
  options.rank(integer_variable("RANK"));
  options.local_rank(integer_variable("LOCAL_RANK", options.rank()));
  const auto address = variable("MASTER_ADDR");
  if (!address) {
    throw std::invalid_argument(
        "distributed: environment variable MASTER_ADDR is not set (the address of rank 0's "
        "machine; 127.0.0.1 on one machine)");
  }
  options.master_addr(*address);
  options.master_port(integer_variable("MASTER_PORT"));
  if (const auto timeout = variable("PPL_DIST_TIMEOUT")) {
    double value = 0;
    try {
      value = std::stod(*timeout);
    } catch (const std::exception&) {
    }
    if (!(value > 0))
      throw std::invalid_argument(fmt::format(
          "distributed: PPL_DIST_TIMEOUT='{}' is not a positive number of seconds", *timeout));
    options.timeout(milliseconds(static_cast<int64_t>(value * 1000)));
  }
  try {
    options.check();
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument(fmt::format(
        "{} (from RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT)", error.what()));
  }
  return options;
}

struct ProcessGroup::Impl {
  ProcessGroupOptions options;
  std::string backend;
  std::optional<LocalRendezvous> local;  // a run on one machine: no TCPStore
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> group;
  bool announced = false;  // this rank's join was the first with its number
  int64_t failures = 0;

  ~Impl() {
    group.reset();
    if (!local || !store) return;
    std::map<int64_t, pid_t> peers;
    if (options.rank() == 0) peers = peer_pids();
    store.reset();
    if (options.rank() == 0) {
      local->wait_for_peers(peers, patience(options.timeout()));
    } else if (announced) {
      local->mark_left(options.rank());
    }
  }

  std::string self() const {
    return fmt::format("rank {} of {}", options.rank(), options.world_size());
  }
  /// Where the ranks meet: the master's address, or the local rendezvous directory.
  std::string rendezvous() const {
    if (local) return local->directory();
    return fmt::format("{}:{}", options.master_addr(), options.master_port());
  }

  void connect_store() {
    if (is_loopback(options.master_addr())) {
      local.emplace(options.master_port());
      if (options.rank() == 0) {
        local->create();
      } else {
        local->wait_for_master(self(), options.timeout());
      }
      store = c10::make_intrusive<c10d::FileStore>(local->store_path(), -1);
      store->setTimeout(options.timeout());
      return;
    }
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(options.master_port());
    store_options.isServer = options.rank() == 0;
    store_options.waitWorkers = false;  // joining is checked below, naming who is missing
    store_options.timeout = options.timeout();
    try {
      store = c10::make_intrusive<c10d::TCPStore>(options.master_addr(), store_options);
    } catch (const std::exception& error) {
      if (options.rank() == 0)
        throw std::runtime_error(
            fmt::format("distributed: rank 0 could not serve the store on {} (is the port in use? "
                        "MASTER_PORT picks another): {}",
                        rendezvous(), error.what()));
      throw std::runtime_error(fmt::format(
          "distributed: {} could not reach the master at {} within {} s (is rank 0 running "
          "there, and MASTER_ADDR/MASTER_PORT right?): {}",
          self(), rendezvous(), seconds(options.timeout()), error.what()));
    }
  }

  /// Announces this rank and waits for every other one, naming those that do not come.
  void join() {
    if (store->add(join_key(options.rank()), 1) != 1)
      throw std::runtime_error(fmt::format(
          "distributed: rank {} joined twice at {}: two processes were started with RANK={}",
          options.rank(), rendezvous(), options.rank()));
    announced = true;
    if (local) store->set(pid_key(options.rank()), bytes_of(std::to_string(::getpid())));
    if (options.rank() == 0)
      store->set("ppl/world_size", bytes_of(std::to_string(options.world_size())));
    // The world size first, so that a rank started with another one says so at once.
    try {
      store->wait({"ppl/world_size"}, options.timeout());
    } catch (const std::exception&) {
      throw std::runtime_error(fmt::format("distributed: {}: rank 0 did not join at {} within {} s",
                                           self(), rendezvous(), seconds(options.timeout())));
    }
    const auto value = store->get("ppl/world_size");
    const std::string world_size(value.begin(), value.end());
    if (world_size != std::to_string(options.world_size()))
      throw std::runtime_error(
          fmt::format("distributed: {}: WORLD_SIZE is {} here but {} on rank 0", self(),
                      options.world_size(), world_size));
    std::vector<std::string> keys;
    for (int64_t r = 0; r < options.world_size(); ++r) keys.push_back(join_key(r));
    try {
      store->wait(keys, options.timeout());
    } catch (const std::exception&) {
      std::vector<int64_t> missing;
      for (int64_t r = 0; r < options.world_size(); ++r)
        if (!store->check({join_key(r)})) missing.push_back(r);
      throw std::runtime_error(
          fmt::format("distributed: {}: rank{} {} did not join at {} within {} s", self(),
                      missing.size() == 1 ? "" : "s", fmt::join(missing, ", "), rendezvous(),
                      seconds(options.timeout())));
    }
  }

  void create_group() {
    auto prefixed = c10::make_intrusive<c10d::PrefixStore>("ppl/group", store);
    const bool cuda = options.device().is_cuda();
    backend = options.backend() == "auto" ? (cuda ? "nccl" : "gloo") : options.backend();
#ifndef PPL_WITH_NCCL
    if (backend == "nccl" && options.backend() == "auto") backend = "gloo";
#endif
    try {
      if (backend == "nccl") {
#ifdef PPL_WITH_NCCL
        auto nccl_options = c10d::ProcessGroupNCCL::Options::create();
        nccl_options->timeout = options.timeout();
        group = c10::make_intrusive<c10d::ProcessGroupNCCL>(prefixed, options.rank(),
                                                            options.world_size(), nccl_options);
#else
        throw std::invalid_argument(
            "backend nccl: this ppl was built without NCCL (it needs a CUDA LibTorch with NCCL); "
            "use gloo");
#endif
      } else {
        auto gloo_options = c10d::ProcessGroupGloo::Options::create(options.timeout());
        gloo_options->devices.push_back(gloo_device(options.master_addr()));
        group = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, options.rank(),
                                                            options.world_size(), gloo_options);
      }
    } catch (const std::invalid_argument&) {
      throw;
    } catch (const std::exception& error) {
      throw std::runtime_error(
          fmt::format("distributed: {}: could not set up {} with the other "
                      "ranks through {}: {}",
                      self(), backend, rendezvous(), error.what()));
    }
  }

  /// The pids of the other ranks that joined (rank 0, local run).
  std::map<int64_t, pid_t> peer_pids() {
    std::map<int64_t, pid_t> pids;
    try {
      for (int64_t r = 1; r < options.world_size(); ++r) {
        if (!store->check({pid_key(r)})) continue;
        const auto value = store->get(pid_key(r));
        pids[r] = static_cast<pid_t>(std::stol(std::string(value.begin(), value.end())));
      }
    } catch (const std::exception&) {
    }
    return pids;
  }

  /// After a failed collective: every surviving rank checks in at the store; those that do not
  /// within a short wait are named. A TCPStore lives in rank 0, so one that no longer answers
  /// means rank 0 is gone.
  std::string census() {
    const milliseconds patience = ppl::distributed::patience(options.timeout());
    const std::string prefix = fmt::format("ppl/alive/{}/", ++failures);
    try {
      store->setTimeout(patience);
      store->set(prefix + std::to_string(options.rank()), bytes_of("1"));
      std::vector<std::string> keys;
      for (int64_t r = 0; r < options.world_size(); ++r) keys.push_back(prefix + std::to_string(r));
      try {
        store->wait(keys, patience);
        return "every rank is still running (a timeout, or the ranks made different calls)";
      } catch (const std::exception&) {
        std::vector<int64_t> missing;
        for (int64_t r = 0; r < options.world_size(); ++r)
          if (!store->check({keys[r]})) missing.push_back(r);
        return fmt::format("rank{} {} did not answer within {} s: it died or hangs",
                           missing.size() == 1 ? "" : "s", fmt::join(missing, ", "),
                           seconds(patience));
      }
    } catch (const std::exception& error) {
      if (local)
        return fmt::format("the rendezvous store in {} could not be read: {}", rendezvous(),
                           error.what());
      return fmt::format("rank 0 did not answer (the store it serves at {} is gone): it died",
                         rendezvous());
    }
  }

  void run(const char* operation, const std::string& what,
           const std::function<c10::intrusive_ptr<c10d::Work>()>& start) {
    try {
      start()->wait();
    } catch (const std::exception& error) {
      std::string reason = census();
      throw PeerFailure(fmt::format("distributed: {} of {} failed on {}: {}. ({})", operation, what,
                                    self(), reason, error.what()));
    }
  }
};

ProcessGroup::ProcessGroup(const ProcessGroupOptions& options) : impl_(std::make_unique<Impl>()) {
  options.check();
  impl_->options = options;
  impl_->connect_store();
  impl_->join();
  impl_->create_group();
}

ProcessGroup::~ProcessGroup() = default;

int64_t ProcessGroup::rank() const {
  return impl_->options.rank();
}
int64_t ProcessGroup::world_size() const {
  return impl_->options.world_size();
}
int64_t ProcessGroup::local_rank() const {
  return impl_->options.local_rank();
}
const ProcessGroupOptions& ProcessGroup::options() const {
  return impl_->options;
}
const std::string& ProcessGroup::backend() const {
  return impl_->backend;
}

void ProcessGroup::allreduce_sum(std::vector<torch::Tensor>& tensors, const std::string& what) {
  impl_->run("allreduce", what, [&] { return impl_->group->allreduce(tensors); });
}

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, const std::string& what,
                             int64_t root) {
  if (root < 0 || root >= world_size())
    throw std::invalid_argument(fmt::format(
        "distributed: broadcast of {} from rank {}, outside [0, {})", what, root, world_size()));
  c10d::BroadcastOptions from;
  from.rootRank = root;
  impl_->run("broadcast", what, [&] { return impl_->group->broadcast(tensors, from); });
}

torch::Tensor ProcessGroup::allgather(const torch::Tensor& tensor, const std::string& what) {
  std::vector<torch::Tensor> input{tensor.contiguous()};
  std::vector<std::vector<torch::Tensor>> output(1);
  for (int64_t r = 0; r < world_size(); ++r) output[0].push_back(torch::empty_like(input[0]));
  impl_->run("allgather", what, [&] { return impl_->group->allgather(output, input); });
  return torch::stack(output[0]);
}

}  // namespace ppl::distributed
