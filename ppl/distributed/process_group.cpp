#include "ppl/distributed/process_group.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef PPL_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <thread>

namespace ppl::distributed {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

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

bool alive(pid_t pid) {
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

/// The pid that the lock file open at `fd` holds ("<pid>\n"), if it holds a whole one.
std::optional<pid_t> pid_in(int fd) {
  char text[32] = {};
  const ssize_t size = ::pread(fd, text, sizeof(text) - 1, 0);
  if (size < 2 || text[size - 1] != '\n') return std::nullopt;
  const long pid = std::strtol(text, nullptr, 10);
  if (pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

/// std::runtime_error naming `directory` unless it is a directory (not a symbolic link) owned by
/// this user, with no permission for group or others.
void check_private(const std::string& directory) {
  struct stat info {};
  if (::lstat(directory.c_str(), &info) != 0)
    throw std::runtime_error(
        fmt::format("distributed: cannot inspect the rendezvous directory {}: {}", directory,
                    std::strerror(errno)));
  const char* kind = S_ISLNK(info.st_mode)   ? "a symbolic link"
                     : S_ISDIR(info.st_mode) ? "a directory"
                                             : "a file that is no directory";
  if (S_ISDIR(info.st_mode) && info.st_uid == ::geteuid() && (info.st_mode & 077) == 0) return;
  throw std::runtime_error(fmt::format(
      "distributed: the rendezvous directory {} must be a directory of uid {} with mode 700, "
      "but it is {} owned by uid {} with mode {:o}: remove it, or choose another MASTER_PORT",
      directory, ::geteuid(), kind, info.st_uid, info.st_mode & 07777));
}

}  // namespace

/// The rendezvous of a run on one machine, in place of a TCPStore that would listen on every
/// interface: a c10d FileStore in the private directory <base>/ppl-rendezvous-<uid>-<port>, base
/// being $XDG_RUNTIME_DIR, else $TMPDIR, else /tmp. Rank 0 creates the directory and holds an
/// flock on its file `lock`, which holds rank 0's pid, for the whole run; the kernel drops the
/// lock when rank 0 dies, so a rank 0 that finds the directory unlocked takes it over (the
/// leftover of a dead run) and one that finds it locked reports it in use. When rank 0's
/// instance ends, it removes the directory. Each other rank, once its store is closed, leaves a
/// file `left.<rank>` there so that rank 0 knows it may remove the directory.
class LocalRendezvous {
 public:
  explicit LocalRendezvous(int64_t port)
      : directory_(fmt::format("{}/ppl-rendezvous-{}-{}", base(), ::geteuid(), port)) {}
  ~LocalRendezvous() {
    if (lock_fd_ < 0) return;
    clear();
    ::unlink(lock_path().c_str());
    ::rmdir(directory_.c_str());
    ::close(lock_fd_);
  }
  LocalRendezvous(const LocalRendezvous&) = delete;
  LocalRendezvous& operator=(const LocalRendezvous&) = delete;

  const std::string& directory() const { return directory_; }
  std::string store_path() const { return directory_ + "/store"; }

  /// Rank 0: creates the directory, or takes over the leftover of a run whose rank 0 is gone.
  void create() {
    for (int attempt = 0; lock_fd_ < 0; ++attempt) {
      if (attempt == 10)
        throw std::runtime_error(fmt::format(
            "distributed: rank 0 could not take the rendezvous directory {}: other processes keep "
            "creating and removing it; choose another MASTER_PORT",
            directory_));
      if (::mkdir(directory_.c_str(), 0700) != 0 && errno != EEXIST)
        throw std::runtime_error(
            fmt::format("distributed: rank 0 could not create the rendezvous "
                        "directory {}: {}",
                        directory_, std::strerror(errno)));
      check_private(directory_);
      const int fd = ::open(lock_path().c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0) {
        if (errno == ENOENT) continue;  // the run that ended just now removed the directory
        throw std::runtime_error(fmt::format("distributed: rank 0 could not open {}: {}",
                                             lock_path(), std::strerror(errno)));
      }
      if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const auto pid = pid_in(fd);
        ::close(fd);
        throw std::runtime_error(fmt::format(
            "distributed: the rendezvous directory {} is in use by another run on this machine "
            "(its rank 0 is pid {}); choose another MASTER_PORT",
            directory_, pid ? std::to_string(*pid) : "unknown"));
      }
      struct stat held {};
      struct stat named {};
      if (::fstat(fd, &held) == 0 && ::lstat(lock_path().c_str(), &named) == 0 &&
          held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
        lock_fd_ = fd;
      } else {
        ::close(fd);  // the lock file was removed after we opened it: start again
      }
    }
    clear();  // a dead run's store and marks
    const std::string pid = fmt::format("{}\n", ::getpid());
    if (::ftruncate(lock_fd_, 0) != 0 ||
        ::pwrite(lock_fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
      throw std::runtime_error(fmt::format("distributed: rank 0 could not write its pid to {}: {}",
                                           lock_path(), std::strerror(errno)));
  }

  /// Other ranks: waits up to `timeout` for the directory of a live rank 0.
  void wait_for_master(const std::string& self, milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    std::optional<pid_t> stale;
    for (;; std::this_thread::sleep_for(milliseconds(10))) {
      struct stat info {};
      if (::lstat(directory_.c_str(), &info) == 0 || errno != ENOENT) {
        check_private(directory_);
        if (const auto pid = master_pid()) {
          if (alive(*pid)) return;
          stale = pid;
        }
      }
      if (Clock::now() >= deadline) break;
    }
    if (stale)
      throw std::runtime_error(fmt::format(
          "distributed: {}: the rendezvous directory {} is left over from a run whose rank 0 "
          "(pid {}) is gone, and no rank 0 took it over within {} s (rank 0 of this run does: "
          "is it running, with the same MASTER_PORT?)",
          self, directory_, *stale, seconds(timeout)));
    throw std::runtime_error(fmt::format(
        "distributed: {}: rank 0 did not create the rendezvous directory {} within {} s (is rank "
        "0 running on this machine, with the same MASTER_PORT?)",
        self, directory_, seconds(timeout)));
  }

  /// Other ranks, after closing their store: tells rank 0 that they no longer use the directory.
  void mark_left(int64_t rank) const {
    const int fd =
        ::open(left_path(rank).c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }

  /// Rank 0: waits up to `patience` until every rank of `peers` (rank -> pid) has left or died.
  void wait_for_peers(const std::map<int64_t, pid_t>& peers, milliseconds patience) const {
    const auto deadline = Clock::now() + patience;
    auto gone = [&](const auto& peer) {
      return ::access(left_path(peer.first).c_str(), F_OK) == 0 || !alive(peer.second);
    };
    while (!std::all_of(peers.begin(), peers.end(), gone) && Clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(10));
  }

 private:
  static std::string base() {
    struct stat info {};
    const auto runtime = variable("XDG_RUNTIME_DIR");
    if (runtime && ::stat(runtime->c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return *runtime;
    return variable("TMPDIR").value_or("/tmp");
  }
  std::string lock_path() const { return directory_ + "/lock"; }
  std::string left_path(int64_t rank) const { return fmt::format("{}/left.{}", directory_, rank); }

  std::optional<pid_t> master_pid() const {
    const int fd = ::open(lock_path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    const auto pid = pid_in(fd);
    ::close(fd);
    return pid;
  }

  /// Removes everything in the directory but the lock file.
  void clear() const {
    std::error_code error;
    for (std::filesystem::directory_iterator entry(directory_, error), end; !error && entry != end;
         entry.increment(error))
      if (entry->path().filename() != "lock") std::filesystem::remove_all(entry->path(), error);
  }

  std::string directory_;
  int lock_fd_ = -1;
};

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
