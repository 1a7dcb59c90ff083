#pragma once
// The rendezvous of a data-parallel run on one machine, in place of a TCPStore that would listen
// on every interface: a private directory that holds a c10d FileStore.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace ppl::distributed {

/// The directory <base>/ppl-rendezvous-<uid>-<port>, base being $XDG_RUNTIME_DIR, else $TMPDIR,
/// else /tmp, of mode 700. Rank 0 creates it and holds an flock on its file `lock`, which holds
/// rank 0's pid, for the whole run; the kernel drops the lock when rank 0 dies, so a rank 0 that
/// finds the directory unlocked takes it over (the leftover of a dead run) and one that finds it
/// locked reports it in use. When rank 0's instance ends, it removes the directory. Each other
/// rank, once its store is closed, leaves a file `left.<rank>` there so that rank 0 knows it may
/// remove the directory. Every error is a std::runtime_error naming the directory.
class LocalRendezvous {
 public:
  explicit LocalRendezvous(int64_t port);
  ~LocalRendezvous();
  LocalRendezvous(const LocalRendezvous&) = delete;
  LocalRendezvous& operator=(const LocalRendezvous&) = delete;

  const std::string& directory() const { return directory_; }
  /// The FileStore's file.
  std::string store_path() const { return directory_ + "/store"; }

  /// Rank 0: creates the directory, or takes over the leftover of a run whose rank 0 is gone.
  void create();
  /// Other ranks: waits up to `timeout` for the directory of a live rank 0. `self` names this
  /// rank in errors.
  void wait_for_master(const std::string& self, std::chrono::milliseconds timeout) const;
  /// Other ranks, after closing their store: tells rank 0 that they no longer use the directory.
  void mark_left(int64_t rank) const;
  /// Rank 0: waits up to `patience` until every rank of `peers` (rank -> pid) has left or died.
  void wait_for_peers(const std::map<int64_t, pid_t>& peers,
                      std::chrono::milliseconds patience) const;

 private:
  std::string lock_path() const { return directory_ + "/lock"; }
  std::string left_path(int64_t rank) const;
  std::optional<pid_t> master_pid() const;
  /// Removes everything in the directory but the lock file.
  void clear() const;

  std::string directory_;
  int lock_fd_ = -1;
};

}  // namespace ppl::distributed
