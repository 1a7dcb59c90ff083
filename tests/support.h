#pragma once
// Helpers shared by the test suites: temporary directories, error messages, validation scopes,
// seeded generators and byte and JSON mutators for the seeded fuzz tests.

#include <doctest/doctest.h>
#include <ppl/distributions/distribution.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>

namespace ppl::testing {

/// A fresh directory under the system temp directory, removed with its contents at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("ppl_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

/// A float64 tensor of `values`.
inline torch::Tensor doubles(const std::vector<double>& values) {
  return torch::tensor(values, torch::kDouble);
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The message of the std::exception that `action` throws, or "(nothing thrown)".
inline std::string what_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& error) {
    return error.what();
  }
  return "(nothing thrown)";
}

/// The message of the std::invalid_argument that `action` throws, or "" when it throws none.
inline std::string invalid_argument_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "";
}

/// Sets the global distribution validation switch for a scope.
struct ValidationScope {
  explicit ValidationScope(bool enabled) : previous(ppl::is_validation_enabled()) {
    ppl::enable_validation(enabled);
  }
  ~ValidationScope() { ppl::enable_validation(previous); }
  ValidationScope(const ValidationScope&) = delete;
  ValidationScope& operator=(const ValidationScope&) = delete;
  bool previous;
};

/// A CPU generator seeded with `seed`.
inline at::Generator generator(uint64_t seed) {
  return at::detail::createCPUGenerator(seed);
}

/// Iterations of each fuzz test: $PPL_FUZZ_ITERATIONS (the `fuzz` ctest label sets it), or
/// `default_count`, small enough for the unit suite.
inline int fuzz_iterations(int default_count) {
  const char* value = std::getenv("PPL_FUZZ_ITERATIONS");
  return value ? std::max(1, std::atoi(value)) : default_count;
}

/// `bytes` after one to four random edits: bit flips, bytes set to 0x00, 0x7f, 0x80 or 0xff, a
/// truncation, a random splice, a range deleted or repeated, a 4- or 8-byte field set to an
/// extreme value.
inline std::string mutate(std::string bytes, std::mt19937_64& rng) {
  auto below = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  const size_t edits = 1 + below(4);
  for (size_t edit = 0; edit < edits; ++edit) {
    const size_t at = below(bytes.size() + 1), length = 1 + below(16);
    switch (below(7)) {
      case 0:
        if (at < bytes.size()) bytes[at] = static_cast<char>(bytes[at] ^ (1 << below(8)));
        break;
      case 1: {
        const char values[] = {0, 0x7f, static_cast<char>(0x80), static_cast<char>(0xff)};
        if (at < bytes.size()) bytes[at] = values[below(4)];
        break;
      }
      case 2:
        bytes.resize(at);
        break;
      case 3: {
        std::string splice(length, '\0');
        for (char& c : splice) c = static_cast<char>(rng());
        bytes.insert(at, splice);
        break;
      }
      case 4:
        bytes.erase(at, length);
        break;
      case 5:
        bytes.insert(at, bytes.substr(at, length));
        break;
      default: {
        const size_t width = below(2) ? 4 : 8;
        const uint64_t value = below(2) ? ~uint64_t{0} >> below(64) : rng();
        for (size_t i = 0; i < width && at + i < bytes.size(); ++i)
          bytes[at + i] = static_cast<char>(value >> (8 * i));
      }
    }
  }
  return bytes;
}

/// `value` with one leaf (a number, string, null, boolean, empty array or empty object) replaced
/// by an extreme or ill-typed value, or removed.
inline nlohmann::json mutate_json(nlohmann::json value, std::mt19937_64& rng) {
  const auto leaves = value.flatten();
  auto leaf = leaves.begin();
  std::advance(leaf, static_cast<long>(rng() % leaves.size()));
  const nlohmann::json::json_pointer pointer(leaf.key());
  const nlohmann::json replacements[] = {0,
                                         -1,
                                         1,
                                         7,
                                         4294967296LL,
                                         INT64_MAX,
                                         UINT64_MAX,
                                         1e300,
                                         -0.5,
                                         "x",
                                         "",
                                         nullptr,
                                         true,
                                         nlohmann::json::array(),
                                         nlohmann::json::object(),
                                         nlohmann::json::array({1, 2})};
  const size_t choice = rng() % (std::size(replacements) + 1);
  if (choice < std::size(replacements)) {
    value[pointer] = replacements[choice];
  } else {
    auto& parent = value[pointer.parent_pointer()];
    if (parent.is_object()) parent.erase(pointer.back());
    if (parent.is_array()) parent.erase(std::stoul(pointer.back()));
  }
  return value;
}

/// Runs `read` on a fuzzed file: it may succeed; if it throws, the error must be a
/// std::exception whose message names `path` (anything else fails the test, a crash ends it).
inline void check_clean_failure(const std::string& path, const std::function<void()>& read) {
  try {
    read();
  } catch (const std::exception& error) {
    INFO("message: ", error.what());
    CHECK(contains(error.what(), path));
  }
}

}  // namespace ppl::testing
