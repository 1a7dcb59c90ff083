#pragma once
// The TCP sockets this process listens on, read from /proc: the socket inodes among
// /proc/self/fd matched against the LISTEN rows (state 0A) of /proc/self/net/tcp and tcp6. The
// distributed tests and their worker check with it that a local run listens on loopback only.

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace ppl::testing {

struct Listener {
  std::string address;  // as inet_ntop writes it: "127.0.0.1", "::", "::ffff:127.0.0.1"
  int port = 0;
};

/// Whether `address` is in 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104.
inline bool is_loopback_address(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

inline std::vector<Listener> listening_sockets() {
  std::set<std::string> inodes;
  std::error_code error;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    const std::string target = std::filesystem::read_symlink(fd.path(), error).string();
    if (!error && target.rfind("socket:[", 0) == 0)
      inodes.insert(target.substr(8, target.size() - 9));
  }
  std::vector<Listener> listeners;
  for (const auto& [table, family] :
       {std::pair{"/proc/self/net/tcp", AF_INET}, std::pair{"/proc/self/net/tcp6", AF_INET6}}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      std::istringstream row(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      row >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >>
          inode;
      if (state != "0A" || inodes.count(inode) == 0) continue;
      // The address is its 32-bit words in host order, each written as hex; the port is hex.
      const auto colon = local.find(':');
      unsigned char bytes[16] = {};
      for (size_t word = 0; word < colon / 8; ++word) {
        const auto value =
            static_cast<uint32_t>(std::stoul(local.substr(8 * word, 8), nullptr, 16));
        std::memcpy(bytes + 4 * word, &value, sizeof(value));
      }
      char text[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(family, bytes, text, sizeof(text));
      listeners.push_back({text, std::stoi(local.substr(colon + 1), nullptr, 16)});
    }
  }
  return listeners;
}

}  // namespace ppl::testing
