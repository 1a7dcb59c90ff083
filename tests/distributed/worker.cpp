// A data-parallel fit of a small regression whose latents are fitted by MAP (no random draws):
// what the distributed tests run in one or several processes (through scripts/launch). Rank r
// writes params_rank<r>.pt at the end; rank 0 also writes losses.txt (one line per step) and a
// checkpoint every --checkpoint-every steps. With --listeners, rank r writes the TCP sockets it
// listens on after the first step (the group is up and has run collectives) to
// listeners_rank<r>.txt, "address port" per line.
#include <ppl/distributed.h>
#include <ppl/ppl.h>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <CLI/CLI.hpp>

#include "tests/distributed/listening_sockets.h"

#include <csignal>
#include <fstream>
#include <iostream>

namespace {

using namespace ppl;

constexpr int64_t kDataSize = 96;

struct Data {
  torch::Tensor x;  // (N, 4)
  torch::Tensor y;  // (N)
};

/// The same data in every process, whatever the seed.
Data make_data() {
  auto generator = at::detail::createCPUGenerator(2024);
  auto x = torch::randn({kDataSize, 4}, generator);
  auto w = torch::tensor({1.5, -2.0, 0.5, 3.0}, torch::kFloat);
  auto y = x.matmul(w) + 0.5 + 0.3 * torch::randn({kDataSize}, generator);
  return {x, y};
}

/// Linear regression; from step `late_from` on also a latent "c" (whose MAP parameter the guide
/// creates then, lazily). Each example's terms are weighted by N / (examples on this rank), so
/// every rank's loss estimates the full data's.
void model(const torch::Tensor& x, const torch::Tensor& y, bool late) {
  auto w = sample("w", dist::Normal(torch::zeros({4}), torch::ones({4})).to_event(1));
  auto b = sample("b", dist::Normal(torch::tensor(0.f), torch::tensor(10.f)));
  auto sigma = param("sigma", torch::tensor(1.f), constraints::positive);
  auto mean = x.matmul(w) + b;
  if (late) {
    auto c = sample("c", dist::Normal(torch::zeros({3}), torch::ones({3})).to_event(1));
    mean = mean + 0.1 * c.sum();
  }
  handlers::ScaleMessenger full_data(static_cast<double>(kDataSize) /
                                     static_cast<double>(x.size(0)));
  plate data("data", x.size(0));
  sample("y", dist::Normal(mean, sigma), y);
}

void guide(const torch::Tensor&, const torch::Tensor&, bool late) {
  sample("w", dist::Delta(param("w_map", torch::zeros({4}))).to_event(1));
  sample("b", dist::Delta(param("b_map", torch::tensor(0.f))));
  if (late) sample("c", dist::Delta(param("c_map", [] { return torch::randn({3}); })).to_event(1));
}

void save_checkpoint(const std::string& path, int64_t step, const optim::Optimizer& optimizer) {
  TensorArchive archive;
  archive.metadata["step"] = step;
  param_store().save_to(archive, "params/");
  optimizer.save_to(archive, "optimizer/");
  save_archive(path, archive);
}

int64_t load_checkpoint(const std::string& path, optim::Optimizer& optimizer) {
  const auto archive = load_archive(path);
  param_store().load_from(archive, "params/", path);
  optimizer.load_from(archive, "optimizer/", path);
  return archive.metadata.at("step").get<int64_t>();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t steps = 20, batch_size = 16, late_from = 3, checkpoint_every = 0;
  int64_t die_at = -1, die_rank = 1, rank1_late_from = -1;
  uint64_t seed = 0;
  std::string out_dir = ".";
  bool resume = false, listeners = false;
  CLI::App app{"data-parallel MAP regression (a test program)"};
  app.add_option("--steps", steps, "Steps in all (a resumed run counts the checkpoint's)");
  app.add_option("--batch-size", batch_size, "Global batch size");
  app.add_option("--late-from", late_from, "Step from which the lazily created param is used");
  app.add_option("--checkpoint-every", checkpoint_every, "Rank 0 writes checkpoint.pt so often");
  app.add_option("--die-at", die_at, "At this step, rank --die-rank kills itself (SIGKILL)");
  app.add_option("--die-rank", die_rank);
  app.add_option("--rank1-late-from", rank1_late_from,
                 "Rank 1 uses the lazy param from this step instead (the ranks disagree)");
  app.add_option("--seed", seed);
  app.add_option("--out-dir", out_dir);
  app.add_flag("--resume", resume, "Continue from out-dir/checkpoint.pt");
  app.add_flag("--listeners", listeners, "Write listeners_rank<r>.txt after the first step");
  CLI11_PARSE(app, argc, argv);

  try {
    torch::set_num_threads(1);
    std::shared_ptr<distributed::ProcessGroup> group;
    if (distributed::launched_with_environment())
      group = std::make_shared<distributed::ProcessGroup>(distributed::options_from_environment());
    const int64_t rank = group ? group->rank() : 0, world_size = group ? group->world_size() : 1;
    if (rank == 1 && rank1_late_from >= 0) late_from = rank1_late_from;
    torch::manual_seed(seed + static_cast<uint64_t>(rank));

    const Data data = make_data();
    distributed::DistributedSampler sampler(kDataSize, batch_size, rank, world_size, true, seed);
    infer::SVI svi(model, guide, optim::Adam(optim::AdamOptions(0.05)), infer::Trace_ELBO());
    if (group) svi.set_reducer(std::make_shared<distributed::DataParallel>(group));

    const std::string checkpoint = out_dir + "/checkpoint.pt";
    int64_t step = resume ? load_checkpoint(checkpoint, svi.optimizer()) : 0;
    std::ofstream losses;
    if (rank == 0) losses.open(out_dir + "/losses.txt", resume ? std::ios::app : std::ios::trunc);
    for (; step < steps; ++step) {
      if (step == die_at && rank == die_rank) std::raise(SIGKILL);
      const int64_t epoch = step / sampler.num_batches(), batch = step % sampler.num_batches();
      if (batch == 0 || sampler.epoch() != epoch) sampler.start_epoch(epoch);
      const auto rows = sampler.indices(batch);
      const double loss =
          svi.step(data.x.index_select(0, rows), data.y.index_select(0, rows), step >= late_from);
      if (rank == 0) losses << fmt::format("{:.9g}\n", loss) << std::flush;
      if (listeners && step == 0) {
        std::ofstream out(fmt::format("{}/listeners_rank{}.txt", out_dir, rank));
        for (const auto& socket : testing::listening_sockets())
          out << socket.address << ' ' << socket.port << '\n';
      }
      if (rank == 0 && checkpoint_every > 0 && (step + 1) % checkpoint_every == 0)
        save_checkpoint(checkpoint, step + 1, svi.optimizer());
    }
    param_store().save(fmt::format("{}/params_rank{}.pt", out_dir, rank));
  } catch (const std::exception& error) {
    fmt::print(std::cerr, "dp_worker: error: {}\n", error.what());
    return 1;
  }
  return 0;
}
