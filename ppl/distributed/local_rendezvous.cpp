#include "ppl/distributed/local_rendezvous.h"

#include <fmt/format.h>

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
#include <stdexcept>
#include <thread>

namespace ppl::distributed {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

/// $XDG_RUNTIME_DIR when it is a directory, else $TMPDIR, else /tmp.
std::string base() {
  struct stat info {};
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime && *runtime && ::stat(runtime, &info) == 0 && S_ISDIR(info.st_mode)) return runtime;
  const char* temporary = std::getenv("TMPDIR");
  return temporary && *temporary ? temporary : "/tmp";
}

double in_seconds(milliseconds duration) {
  return static_cast<double>(duration.count()) / 1000;
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

LocalRendezvous::LocalRendezvous(int64_t port)
    : directory_(fmt::format("{}/ppl-rendezvous-{}-{}", base(), ::geteuid(), port)) {}

LocalRendezvous::~LocalRendezvous() {
  if (lock_fd_ < 0) return;
  clear();
  ::unlink(lock_path().c_str());
  ::rmdir(directory_.c_str());
  ::close(lock_fd_);
}

void LocalRendezvous::create() {
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
      throw std::runtime_error(fmt::format("distributed: rank 0 could not open {}: {}", lock_path(),
                                           std::strerror(errno)));
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

void LocalRendezvous::wait_for_master(const std::string& self, milliseconds timeout) const {
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
        self, directory_, *stale, in_seconds(timeout)));
  throw std::runtime_error(fmt::format(
      "distributed: {}: rank 0 did not create the rendezvous directory {} within {} s (is rank "
      "0 running on this machine, with the same MASTER_PORT?)",
      self, directory_, in_seconds(timeout)));
}

void LocalRendezvous::mark_left(int64_t rank) const {
  const int fd = ::open(left_path(rank).c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
}

void LocalRendezvous::wait_for_peers(const std::map<int64_t, pid_t>& peers,
                                     milliseconds patience) const {
  const auto deadline = Clock::now() + patience;
  auto gone = [&](const auto& peer) {
    return ::access(left_path(peer.first).c_str(), F_OK) == 0 || !alive(peer.second);
  };
  while (!std::all_of(peers.begin(), peers.end(), gone) && Clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
}

std::string LocalRendezvous::left_path(int64_t rank) const {
  return fmt::format("{}/left.{}", directory_, rank);
}

std::optional<pid_t> LocalRendezvous::master_pid() const {
  const int fd = ::open(lock_path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  const auto pid = pid_in(fd);
  ::close(fd);
  return pid;
}

void LocalRendezvous::clear() const {
  std::error_code error;
  for (std::filesystem::directory_iterator entry(directory_, error), end; !error && entry != end;
       entry.increment(error))
    if (entry->path().filename() != "lock") std::filesystem::remove_all(entry->path(), error);
}

}  // namespace ppl::distributed
