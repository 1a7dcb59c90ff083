// Whole-file reads and crash-safe writes (ppl/io/file_io.h): read_file's bytes and errors; an
// AtomicFile replaces its file only on commit, leaves it as it was when dropped or when its
// writer is killed midway, and names the file when it cannot write.
#include <doctest/doctest.h>

#include "ppl/io/file_io.h"
#include "tests/support.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <set>

namespace test_file_io {

namespace fs = std::filesystem;
using ppl::AtomicFile;
using ppl::read_file;
using ppl::testing::contains;
using ppl::testing::TempDir;
using ppl::testing::what_of;

namespace {

std::vector<char> chars(const std::string& text) {
  return {text.begin(), text.end()};
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary).write(text.data(), std::streamsize(text.size()));
}

/// The names of the files in `dir`.
std::set<std::string> files_in(const TempDir& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path))
    names.insert(entry.path().filename().string());
  return names;
}

/// The temporary an AtomicFile of `path` made by process `pid` writes.
std::string temporary_of(const std::string& path, pid_t pid) {
  return path + ".tmp." + std::to_string(pid);
}

}  // namespace

TEST_CASE("read_file returns every byte of the file") {
  TempDir dir;
  // Longer than read_file's 64 KiB buffer, with every byte value (NUL included).
  std::string text(200'000, '\0');
  for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>((i * 7919 + i / 256) % 256);
  write_text(dir / "large", text);
  CHECK(read_file(dir / "large") == chars(text));
  write_text(dir / "empty", "");
  CHECK(read_file(dir / "empty").empty());
}

TEST_CASE("read_file of a missing file or a directory is a std::runtime_error naming the path") {
  TempDir dir;
  const auto missing = dir / "missing";
  CHECK_THROWS_AS(read_file(missing), std::runtime_error);
  CHECK(what_of([&] { read_file(missing); }) ==
        "cannot open '" + missing + "': No such file or directory");
  CHECK_THROWS_AS(read_file(dir.path.string()), std::runtime_error);
  const std::string message = what_of([&] { read_file(dir.path.string()); });
  CHECK_MESSAGE(contains(message, "'" + dir.path.string() + "'"), message);
}

TEST_CASE("an AtomicFile replaces its file on commit, and not before") {
  TempDir dir;
  const auto path = dir / "file";
  const std::string temporary = temporary_of(path, ::getpid());

  SUBCASE("an existing file") {
    write_text(path, "old contents");
    AtomicFile file(path);
    file.write("new ", 4);
    file.write("contents", 8);
    file.write(nullptr, 0);
    CHECK(read_file(path) == chars("old contents"));
    CHECK(files_in(dir) == std::set<std::string>{"file", fs::path(temporary).filename().string()});
    file.commit();
    CHECK(read_file(path) == chars("new contents"));
    CHECK(files_in(dir) == std::set<std::string>{"file"});
  }
  SUBCASE("a new file") {
    AtomicFile file(path);
    file.write("new", 3);
    CHECK_FALSE(fs::exists(path));
    file.commit();
    CHECK(read_file(path) == chars("new"));
    CHECK(files_in(dir) == std::set<std::string>{"file"});
  }
  SUBCASE("write_file_atomically, also of nothing") {
    write_text(path, "old contents");
    ppl::write_file_atomically(path, chars("new"));
    CHECK(read_file(path) == chars("new"));
    ppl::write_file_atomically(path, {});
    CHECK(read_file(path).empty());
    CHECK(files_in(dir) == std::set<std::string>{"file"});
  }
}

TEST_CASE("an AtomicFile destroyed uncommitted removes its temporary and leaves the old file") {
  TempDir dir;
  const auto path = dir / "file";

  SUBCASE("an existing file") {
    write_text(path, "old contents");
    {
      AtomicFile file(path);
      file.write("new contents", 12);
      CHECK(fs::exists(temporary_of(path, ::getpid())));
    }
    CHECK(read_file(path) == chars("old contents"));
    CHECK(files_in(dir) == std::set<std::string>{"file"});
  }
  SUBCASE("no file, and an exception unwinding the writer") {
    CHECK_THROWS_AS(
        [&] {
          AtomicFile file(path);
          file.write("new", 3);
          throw std::runtime_error("the writer failed");
        }(),
        std::runtime_error);
    CHECK(files_in(dir).empty());
  }
}

TEST_CASE("AtomicFile errors: a use after commit, a file it cannot create or rename") {
  TempDir dir;
  const auto path = dir / "file";

  SUBCASE("write or commit after commit is a std::logic_error naming the file") {
    AtomicFile file(path);
    file.commit();
    CHECK_THROWS_AS(file.write("x", 1), std::logic_error);
    CHECK_THROWS_AS(file.commit(), std::logic_error);
    CHECK(contains(what_of([&] { file.commit(); }), "'" + path + "' is already committed"));
    CHECK(read_file(path).empty());
  }
  SUBCASE("a file in a missing directory") {
    const auto nowhere = dir / "missing/file";
    CHECK_THROWS_AS(AtomicFile{nowhere}, std::runtime_error);
    const std::string message = what_of([&] { AtomicFile file(nowhere); });
    CHECK_MESSAGE(contains(message, "cannot write '" + nowhere), message);
    CHECK_MESSAGE(contains(message, "No such file or directory"), message);
  }
  SUBCASE("a path that is a non-empty directory: the rename fails, the temporary is removed") {
    fs::create_directories(dir.path / "file" / "inside");
    AtomicFile file(path);
    file.write("x", 1);
    std::string message = "(nothing thrown)";
    try {
      file.commit();
    } catch (const std::runtime_error& error) {
      message = error.what();
    }
    CHECK_MESSAGE(contains(message, "cannot write '" + path + "': Is a directory"), message);
    CHECK(fs::is_directory(dir.path / "file" / "inside"));
    CHECK(files_in(dir) == std::set<std::string>{"file"});
  }
}

namespace {

int interrupted_writer_pipe = -1;

/// SIGXFSZ handler of the writer child: reports that it is stopped midway, then waits for the
/// parent's SIGKILL.
void report_and_wait(int) {
  const char byte = 'w';
  if (::write(interrupted_writer_pipe, &byte, 1) == 1) ::pause();
  ::_exit(3);
}

}  // namespace

TEST_CASE("a write killed midway leaves the previous file intact, and its temporary behind") {
  TempDir dir;
  const auto path = dir / "file";
  write_text(path, "the previous contents");
  std::vector<char> larger(4 << 20);  // 4 MiB
  for (size_t i = 0; i < larger.size(); ++i) larger[i] = static_cast<char>(i % 253);

  // The child writes `larger` over `path`. It may write 1 MiB: the next write raises SIGXFSZ,
  // whose handler tells the parent, which then kills the child with SIGKILL.
  constexpr rlim_t kWriteLimit = 1 << 20;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    interrupted_writer_pipe = ready[1];
    const rlimit no_core{0, 0}, write_limit{kWriteLimit, kWriteLimit};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::signal(SIGXFSZ, report_and_wait);
    ::setrlimit(RLIMIT_FSIZE, &write_limit);
    try {
      AtomicFile file(path);
      for (size_t at = 0; at < larger.size(); at += 1 << 16) file.write(&larger[at], 1 << 16);
      file.commit();
    } catch (...) {
    }
    ::_exit(4);  // the write was not interrupted
  }
  ::close(ready[1]);
  char byte = 0;
  const bool stopped_midway = ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(stopped_midway);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);

  // The partial write is in the child's temporary; the file is the previous one, byte for byte.
  const std::string temporary = temporary_of(path, child);
  REQUIRE(fs::exists(temporary));
  CHECK(fs::file_size(temporary) == kWriteLimit);
  CHECK(read_file(path) == chars("the previous contents"));

  // The next write replaces the file; the stale temporary is left alone.
  ppl::write_file_atomically(path, larger);
  CHECK(read_file(path) == larger);
  CHECK(fs::exists(temporary));
}

}  // namespace test_file_io
