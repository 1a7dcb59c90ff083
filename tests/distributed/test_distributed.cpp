// ppl/distributed: the torchrun environment, joining, the sampler, and data-parallel SVI in
// several processes on 127.0.0.1 (ctest label "distributed"; the multi-process cases start
// tests/distributed/worker.cpp through scripts/launch, whose paths ctest passes in
// PPL_DP_WORKER and PPL_LAUNCH). Local runs meet in a private directory under
// $XDG_RUNTIME_DIR, which the tests point at a directory of their own.
#include <doctest/doctest.h>

#include "tests/distributed/listening_sockets.h"
#include "tests/support.h"

#include <ppl/distributed.h>
#include <ppl/ppl.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

namespace test_distributed {

namespace {

using namespace ppl;
using ppl::testing::contains;
using ppl::testing::is_loopback_address;
using ppl::testing::listening_sockets;
using ppl::testing::TempDir;
using ppl::testing::what_of;
using Clock = std::chrono::steady_clock;

/// Sets (or, with nullopt, unsets) environment variables for its lifetime.
class Environment {
 public:
  Environment(std::initializer_list<std::pair<std::string, std::optional<std::string>>> variables) {
    for (const auto& [name, value] : variables) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
      set(name, value);
    }
  }
  ~Environment() {
    for (const auto& [name, value] : saved_) set(name, value);
  }

 private:
  static void set(const std::string& name, const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name.c_str());
    }
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

/// A port that rank 0 of a single-process test can serve on: a fresh one per call.
int64_t fresh_port() {
  static int64_t next = 30000 + (::getpid() % 20000);
  return next++;
}

/// Where local runs on `port` meet when $XDG_RUNTIME_DIR is `base`.
std::string rendezvous_directory(const TempDir& base, int64_t port) {
  return base / fmt::format("ppl-rendezvous-{}-{}", ::geteuid(), port);
}

const char* worker() {
  return std::getenv("PPL_DP_WORKER");
}
const char* launcher() {
  return std::getenv("PPL_LAUNCH");
}
bool no_processes() {
  return worker() == nullptr || launcher() == nullptr;
}

struct Run {
  int status = 0;
  std::string output;
  double seconds = 0;
};

/// Runs the worker with `args` in `dir`: in `nproc` processes through the launcher, or, for 1,
/// alone (plain SVI, no process group).
Run launch(int nproc, const std::string& dir, const std::string& args,
           const std::string& environment = "") {
  const std::string log = dir + "/launch.log";
  const std::string launch =
      nproc == 1 ? "" : fmt::format("PPL_LAUNCH_GRACE=30 '{}' {}", launcher(), nproc);
  const std::string command = fmt::format("cd '{}' && {} {} '{}' --out-dir '{}' {} > '{}' 2>&1",
                                          dir, environment, launch, worker(), dir, args, log);
  const auto start = Clock::now();
  Run run;
  run.status = std::system(command.c_str());
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  run.output = text.str();
  return run;
}

std::vector<double> losses_in(const std::string& path) {
  std::ifstream in(path);
  std::vector<double> losses;
  for (double loss = 0; in >> loss;) losses.push_back(loss);
  return losses;
}

/// The largest over params of max|a - b| / max|b| (and every param of one is in the other).
double relative_difference(const std::string& a_path, const std::string& b_path) {
  ParamStore a, b;
  a.load(a_path);
  b.load(b_path);
  REQUIRE(a.names() == b.names());
  double worst = 0;
  for (const auto& name : a.names()) {
    const auto x = a.get(name).to(torch::kDouble), y = b.get(name).to(torch::kDouble);
    const double scale = std::max(y.abs().max().item<double>(), 1e-6);
    worst = std::max(worst, (x - y).abs().max().item<double>() / scale);
  }
  return worst;
}

double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(std::abs(b[i]), 1e-6));
  return worst;
}

}  // namespace

TEST_CASE("options from torchrun's environment") {
  const Environment cleared{{"RANK", std::nullopt},        {"WORLD_SIZE", std::nullopt},
                            {"LOCAL_RANK", std::nullopt},  {"MASTER_ADDR", std::nullopt},
                            {"MASTER_PORT", std::nullopt}, {"PPL_DIST_TIMEOUT", std::nullopt}};
  CHECK_FALSE(distributed::launched_with_environment());
  CHECK(
      contains(what_of([] { distributed::options_from_environment(); }), "WORLD_SIZE is not set"));
  {
    const Environment partial{{"WORLD_SIZE", "2"}};
    CHECK(distributed::launched_with_environment());
    CHECK(contains(what_of([] { distributed::options_from_environment(); }), "RANK is not set"));
  }
  {
    const Environment env{{"WORLD_SIZE", "2"}, {"RANK", "1"}, {"MASTER_PORT", "29511"}};
    CHECK(contains(what_of([] { distributed::options_from_environment(); }), "MASTER_ADDR"));
  }
  {
    const Environment env{
        {"WORLD_SIZE", "2"}, {"RANK", "2"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29511"}};
    CHECK(contains(what_of([] { distributed::options_from_environment(); }),
                   "rank 2 is outside [0, 2)"));
  }
  {
    const Environment env{
        {"WORLD_SIZE", "2"}, {"RANK", "1"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "x1"}};
    CHECK(contains(what_of([] { distributed::options_from_environment(); }),
                   "MASTER_PORT='x1' is not an integer"));
  }
  {
    const Environment env{{"WORLD_SIZE", "4"},      {"RANK", "3"},
                          {"LOCAL_RANK", "1"},      {"MASTER_ADDR", "10.0.0.7"},
                          {"MASTER_PORT", "29511"}, {"PPL_DIST_TIMEOUT", "2.5"}};
    const auto options = distributed::options_from_environment();
    CHECK(options.rank() == 3);
    CHECK(options.world_size() == 4);
    CHECK(options.local_rank() == 1);
    CHECK(options.master_addr() == "10.0.0.7");
    CHECK(options.master_port() == 29511);
    CHECK(options.timeout() == std::chrono::milliseconds(2500));
  }
  CHECK(contains(what_of([] { distributed::ProcessGroupOptions().backend("mpi").check(); }),
                 "backend must be auto, gloo or nccl"));
}

TEST_CASE("joining: a rank 0 and ranks that never come are named, in time; no directory stays") {
  using namespace std::chrono_literals;
  const TempDir base;
  const Environment runtime{{"XDG_RUNTIME_DIR", base.path.string()}};
  const auto start = Clock::now();
  const int64_t nobody = fresh_port();
  const std::string unreachable = what_of([&] {
    distributed::ProcessGroup(
        distributed::ProcessGroupOptions().rank(1).world_size(2).master_port(nobody).timeout(1s));
  });
  CHECK_MESSAGE(
      contains(unreachable,
               fmt::format("rank 1 of 2: rank 0 did not create the rendezvous directory {}",
                           rendezvous_directory(base, nobody))),
      unreachable);

  const std::string missing = what_of([&] {
    distributed::ProcessGroup(distributed::ProcessGroupOptions()
                                  .rank(0)
                                  .world_size(3)
                                  .master_port(fresh_port())
                                  .timeout(1s));
  });
  CHECK(contains(missing, "ranks 1, 2 did not join"));
  CHECK(std::chrono::duration<double>(Clock::now() - start).count() < 30);
  CHECK(std::filesystem::is_empty(base.path));
}

TEST_CASE("joining: a directory in use, a rank taken twice and another WORLD_SIZE are named") {
  using namespace std::chrono_literals;
  const TempDir base;
  const Environment runtime{{"XDG_RUNTIME_DIR", base.path.string()}};
  const auto options = distributed::ProcessGroupOptions().world_size(2).timeout(3s);
  // Ranks as threads of this process: c10d does not mind, and the messages are the same.
  // Joins; a group that forms is kept for `hold` so that later joiners still find the store.
  auto join = [](distributed::ProcessGroupOptions options,
                 std::chrono::milliseconds hold = std::chrono::milliseconds(0)) {
    return what_of([&] {
      distributed::ProcessGroup group(options);
      std::this_thread::sleep_for(hold);
    });
  };
  const int64_t port = fresh_port();
  std::string rank0, rank1;
  std::thread first(
      [&] { rank0 = join(distributed::ProcessGroupOptions(options).master_port(port), 5s); });
  std::this_thread::sleep_for(300ms);  // rank 0 serves the store by now
  std::thread second([&] {
    rank1 = join(distributed::ProcessGroupOptions(options).rank(1).master_port(port), 5s);
  });
  std::this_thread::sleep_for(300ms);  // rank 1 has joined by now
  const std::string twice =
      join(distributed::ProcessGroupOptions(options).rank(1).master_port(port));
  const std::string directory = rendezvous_directory(base, port);
  CHECK_MESSAGE(contains(twice, fmt::format("rank 1 joined twice at {}", directory)), twice);
  const std::string in_use = join(distributed::ProcessGroupOptions(options).master_port(port));
  CHECK_MESSAGE(contains(in_use, fmt::format("the rendezvous directory {} is in use by another "
                                             "run on this machine (its rank 0 is pid {})",
                                             directory, ::getpid())),
                in_use);
  first.join();
  second.join();
  CHECK(rank0 == "(nothing thrown)");  // the first rank 1 and rank 0 make a group
  CHECK(rank1 == "(nothing thrown)");

  const int64_t other_port = fresh_port();
  std::thread lonely(
      [&] { join(distributed::ProcessGroupOptions(options).master_port(other_port)); });
  std::this_thread::sleep_for(300ms);
  CHECK(contains(
      join(distributed::ProcessGroupOptions(options).rank(1).world_size(3).master_port(other_port)),
      "rank 1 of 3: WORLD_SIZE is 3 here but 2 on rank 0"));
  lonely.join();  // rank 0 gives up on its partner after the timeout
  CHECK(std::filesystem::is_empty(base.path));
}

TEST_CASE("joining: the rendezvous directory is private while the group is up, then gone") {
  using namespace std::chrono_literals;
  const TempDir base;
  const Environment runtime{{"XDG_RUNTIME_DIR", base.path.string()}};
  const int64_t port = fresh_port();
  const std::string directory = rendezvous_directory(base, port);
  const auto options = distributed::ProcessGroupOptions().master_port(port).timeout(1s);
  {
    distributed::ProcessGroup group(options);
    struct stat info {};
    REQUIRE(::lstat(directory.c_str(), &info) == 0);
    CHECK(S_ISDIR(info.st_mode));
    CHECK((info.st_mode & 07777) == 0700);
    CHECK(info.st_uid == ::geteuid());
    for (const auto& socket : listening_sockets())
      CHECK_MESSAGE(is_loopback_address(socket.address), socket.address, ":", socket.port);
  }
  CHECK_FALSE(std::filesystem::exists(directory));

  // Refused, by rank 0 and by the others, when it is not private.
  std::filesystem::create_directory(directory);
  std::filesystem::permissions(directory, std::filesystem::perms::owner_all |
                                              std::filesystem::perms::group_read |
                                              std::filesystem::perms::group_exec);
  for (int64_t rank : {0, 1}) {
    const std::string open = what_of([&] {
      distributed::ProcessGroup(distributed::ProcessGroupOptions(options).rank(rank).world_size(2));
    });
    CHECK_MESSAGE(contains(open, fmt::format("the rendezvous directory {} must be a directory of "
                                             "uid {} with mode 700, but it is a directory owned "
                                             "by uid {} with mode 750",
                                             directory, ::geteuid(), ::geteuid())),
                  open);
  }
  std::filesystem::remove(directory);
  const TempDir elsewhere;
  std::filesystem::permissions(elsewhere.path, std::filesystem::perms::owner_all);
  std::filesystem::create_directory_symlink(elsewhere.path, directory);
  const std::string link = what_of([&] { distributed::ProcessGroup group(options); });
  CHECK_MESSAGE(contains(link, fmt::format("{} must be a directory of uid {} with mode 700, but it "
                                           "is a symbolic link",
                                           directory, ::geteuid())),
                link);
  CHECK(std::filesystem::is_empty(elsewhere.path));
}

TEST_CASE("the listener check sees a TCPStore listen beyond loopback") {
  c10d::TCPStoreOptions server;
  server.port = static_cast<uint16_t>(fresh_port());
  server.isServer = true;
  server.waitWorkers = false;
  const auto store = c10::make_intrusive<c10d::TCPStore>("127.0.0.1", server);
  std::vector<std::string> beyond_loopback;
  for (const auto& socket : listening_sockets())
    if (socket.port == server.port && !is_loopback_address(socket.address))
      beyond_loopback.push_back(socket.address);
  MESSAGE(fmt::format("a TCPStore on port {} listens on {}", server.port,
                      fmt::join(beyond_loopback, ", ")));
  CHECK_FALSE(beyond_loopback.empty());
  CHECK_FALSE(is_loopback_address("0.0.0.0"));
  CHECK_FALSE(is_loopback_address("::"));
  CHECK_FALSE(is_loopback_address("::ffff:10.0.0.1"));
  CHECK(is_loopback_address("127.0.0.1"));
  CHECK(is_loopback_address("::1"));
  CHECK(is_loopback_address("::ffff:127.0.0.1"));
}

TEST_CASE("one process: DataParallel steps exactly as plain SVI") {
  auto group = std::make_shared<distributed::ProcessGroup>(
      distributed::ProcessGroupOptions().master_port(fresh_port()));
  CHECK(group->backend() == "gloo");
  auto model = [](const torch::Tensor& x) {
    auto loc = sample("loc", dist::Normal(torch::tensor(0.), torch::tensor(1.)));
    plate data("data", x.size(0));
    sample("x", dist::Normal(loc, torch::tensor(1.)), x);
  };
  auto guide = [](const torch::Tensor&) {
    sample("loc", dist::Normal(param("q_loc", [] { return torch::randn({}, torch::kDouble); }),
                               param("q_scale", torch::tensor(1.), constraints::positive)));
  };
  const auto x = torch::tensor({0.5, 1.5, 2.0}, torch::kDouble);
  std::vector<double> losses[2];
  torch::Tensor q_loc[2];
  for (int parallel = 0; parallel < 2; ++parallel) {
    ParamStore store;
    ParamStoreScope scope(store);
    torch::manual_seed(3);
    infer::SVI svi(model, guide, optim::Adam(optim::AdamOptions(0.1)), infer::Trace_ELBO());
    auto data_parallel = std::make_shared<distributed::DataParallel>(group);
    if (parallel) svi.set_reducer(data_parallel);
    for (int i = 0; i < 5; ++i) losses[parallel].push_back(svi.step(x));
    losses[parallel].push_back(svi.evaluate_loss(x));
    q_loc[parallel] = store.get("q_loc").clone();
    if (parallel) {
      CHECK(data_parallel->stats().steps == 5);
      CHECK(data_parallel->stats().broadcast_params == 2);
      store.erase("q_loc");  // created anew at the next step: taken from rank 0 again
      svi.step(x);
      CHECK(data_parallel->stats().broadcast_params == 3);
    }
  }
  CHECK(losses[0] == losses[1]);
  CHECK(torch::equal(q_loc[0], q_loc[1]));
}

TEST_CASE("2 processes give 1 process's parameters; a lazy param is rank 0's everywhere" *
          doctest::skip(no_processes())) {
  TempDir one, two;
  const Run single = launch(1, one.path.string(), "--steps 20 --batch-size 16");
  REQUIRE_MESSAGE(single.status == 0, single.output);
  const Run pair = launch(2, two.path.string(), "--steps 20 --batch-size 16");
  REQUIRE_MESSAGE(pair.status == 0, pair.output);

  const double params = relative_difference(two / "params_rank0.pt", one / "params_rank0.pt");
  const double losses =
      relative_difference(losses_in(two / "losses.txt"), losses_in(one / "losses.txt"));
  MESSAGE(
      fmt::format("2 vs 1 process after 20 steps: params differ by {:.2e}, losses by {:.2e} "
                  "(relative)",
                  params, losses));
  CHECK(params <= 1e-5);
  CHECK(losses <= 1e-5);
  CHECK(losses_in(two / "losses.txt").size() == 20);
  // c_map appears at step 3 with a random start on each rank; rank 1 holds rank 0's from then on.
  CHECK(relative_difference(two / "params_rank1.pt", two / "params_rank0.pt") == 0);
}

TEST_CASE("a checkpoint of 2 processes resumes in 2 and in 1 process as if uninterrupted" *
          doctest::skip(no_processes())) {
  TempDir whole, first;
  REQUIRE(launch(2, whole.path.string(), "--steps 20").status == 0);
  const Run half = launch(2, first.path.string(), "--steps 10 --checkpoint-every 5");
  REQUIRE_MESSAGE(half.status == 0, half.output);
  for (int nproc : {2, 1}) {
    TempDir resumed;
    std::filesystem::copy(first / "checkpoint.pt", resumed / "checkpoint.pt");
    std::filesystem::copy(first / "losses.txt", resumed / "losses.txt");
    const Run rest = launch(nproc, resumed.path.string(), "--steps 20 --resume");
    REQUIRE_MESSAGE(rest.status == 0, rest.output);
    const double params =
        relative_difference(resumed / "params_rank0.pt", whole / "params_rank0.pt");
    const double losses =
        relative_difference(losses_in(resumed / "losses.txt"), losses_in(whole / "losses.txt"));
    MESSAGE(fmt::format("resumed in {} process(es): params differ by {:.2e}, losses by {:.2e}",
                        nproc, params, losses));
    CHECK(params <= 1e-5);
    CHECK(losses <= 1e-5);
  }
}

TEST_CASE("ranks that meet different params fail, saying who does what" *
          doctest::skip(no_processes())) {
  TempDir dir;
  const Run run = launch(2, dir.path.string(), "--steps 8 --late-from 3 --rank1-late-from 5",
                         "PPL_DIST_TIMEOUT=20");
  MESSAGE(run.output);
  CHECK(run.status != 0);
  CHECK(contains(run.output,
                 "rank 0 of 2 is at the first use of a param (param 'c_map' [3] Float), but rank "
                 "1 is at the reduction of a step"));
  CHECK(contains(run.output, "rank 1 of 2 is at the reduction of a step"));
  CHECK(run.seconds < 30);
}

TEST_CASE("a rank that dies is named by the others within the timeout; the checkpoint survives" *
          doctest::skip(no_processes())) {
  TempDir dir;
  const Run run = launch(2, dir.path.string(), "--steps 20 --checkpoint-every 5 --die-at 7",
                         "PPL_DIST_TIMEOUT=10");
  MESSAGE(run.output);
  CHECK(run.status != 0);
  CHECK(contains(run.output, "failed on rank 0 of 2: rank 1 did not answer"));
  CHECK(contains(run.output, "launch: rank 1"));
  CHECK(run.seconds < 40);  // the timeout, the census and process start-up
  const auto checkpoint = load_archive(dir / "checkpoint.pt");
  CHECK(checkpoint.metadata.at("step").get<int64_t>() == 5);
  CHECK(losses_in(dir / "losses.txt").size() == 7);
}

TEST_CASE("a local run of 2 processes listens on loopback only and leaves no directory" *
          doctest::skip(no_processes())) {
  TempDir dir, base;
  const int64_t port = fresh_port();
  const Run run =
      launch(2, dir.path.string(), "--steps 4 --listeners",
             fmt::format("XDG_RUNTIME_DIR='{}' MASTER_PORT={}", base.path.string(), port));
  REQUIRE_MESSAGE(run.status == 0, run.output);
  for (int rank : {0, 1}) {
    std::ifstream in(dir / fmt::format("listeners_rank{}.txt", rank));
    REQUIRE(in.good());
    int listeners = 0;
    std::string address;
    for (int socket_port = 0; in >> address >> socket_port; ++listeners)
      CHECK_MESSAGE(is_loopback_address(address), "rank ", rank, " listens on ", address, ":",
                    socket_port);
    MESSAGE("rank ", rank, " listens on ", listeners, " socket(s)");
  }
  CHECK(std::filesystem::is_empty(base.path));
}

TEST_CASE("a rank 0 that dies is named; its directory is named as stale, then taken over" *
          doctest::skip(no_processes())) {
  using namespace std::chrono_literals;
  TempDir dir, again, base;
  const int64_t port = fresh_port();
  const std::string environment = fmt::format(
      "XDG_RUNTIME_DIR='{}' MASTER_PORT={} PPL_DIST_TIMEOUT=10", base.path.string(), port);
  const Run run = launch(2, dir.path.string(), "--steps 20 --die-at 3 --die-rank 0", environment);
  MESSAGE(run.output);
  CHECK(run.status != 0);
  CHECK(contains(run.output, "failed on rank 1 of 2: rank 0 did not answer"));
  CHECK(run.seconds < 40);

  // rank 0 had no time to remove its directory: a rank 1 that comes alone says so.
  const std::string directory = rendezvous_directory(base, port);
  const Environment runtime{{"XDG_RUNTIME_DIR", base.path.string()}};
  const std::string alone = what_of([&] {
    distributed::ProcessGroup(
        distributed::ProcessGroupOptions().rank(1).world_size(2).master_port(port).timeout(1s));
  });
  CHECK_MESSAGE(contains(alone, fmt::format("rank 1 of 2: the rendezvous directory {} is left over "
                                            "from a run whose rank 0 (pid",
                                            directory)),
                alone);
  // The next run on that port takes it over, and removes it at the end.
  const Run next = launch(2, again.path.string(), "--steps 4", environment);
  CHECK_MESSAGE(next.status == 0, next.output);
  CHECK(std::filesystem::is_empty(base.path));
}

namespace {

const char* mnist_dir() {
  return std::getenv("PPL_MNIST_DIR");
}
const char* vae_mnist() {
  return std::getenv("PPL_VAE_MNIST");
}
bool no_mnist_processes() {
  return no_processes() || !mnist_dir() || !vae_mnist();
}

/// vae_mnist on MNIST in `nproc` processes, the tutorial's settings with 1 thread each; returns
/// the test loss of every test epoch.
std::vector<double> train_vae(int nproc, const std::string& dir, const std::string& args) {
  const std::string command = fmt::format(
      "PPL_LAUNCH_GRACE=30 '{}' {} '{}' --threads 1 --no-progress --test-frequency 1 "
      "--data-dir '{}' --out-dir '{}' {} > '{}/log' 2>&1",
      launcher(), nproc, vae_mnist(), mnist_dir(), dir, args, dir);
  const int status = std::system(command.c_str());
  std::ifstream log_file(dir + "/log");
  std::stringstream log;
  log << log_file.rdbuf();
  MESSAGE(log.str());
  REQUIRE(status == 0);
  std::ifstream metrics_file(dir + "/metrics.json");
  const auto metrics = nlohmann::json::parse(metrics_file);
  std::vector<double> test_losses;
  for (const auto& epoch : metrics.at("epochs")) test_losses.push_back(epoch.at("test_loss"));
  return test_losses;
}

}  // namespace

TEST_CASE("MNIST: the VAE on 2 processes matches 1 process, and resumes exactly" *
          doctest::skip(no_mnist_processes())) {
  TempDir one, two, first_half;
  const auto single = train_vae(1, one.path.string(), "--epochs 2");
  const auto pair = train_vae(2, two.path.string(), "--epochs 2");
  REQUIRE(single.size() == 2);
  REQUIRE(pair.size() == 2);
  const double difference = std::abs(pair[1] - single[1]) / single[1];
  MESSAGE(fmt::format("test loss after 2 epochs: 1 process {:.4f}, 2 processes {:.4f} ({:.3f}%)",
                      single[1], pair[1], 100 * difference));
  CHECK(difference < 0.005);

  // Epoch 1 on 2 processes, then epoch 2 from its checkpoint: the uninterrupted run's losses.
  train_vae(2, first_half.path.string(), "--epochs 1");
  const auto resumed = train_vae(2, first_half.path.string(), "--epochs 2 --resume");
  REQUIRE(resumed.size() == 2);
  CHECK(resumed[1] == doctest::Approx(pair[1]).epsilon(1e-9));
}

}  // namespace test_distributed
