// The tutorial VAE: its model and guide, training on synthetic images, the training program's
// outputs, checkpoints and exact resumption.
#include <doctest/doctest.h>

#include "examples/common/checkpoint.h"
#include "examples/vae_mnist/training.h"
#include "models/vae.h"
#include "tests/synthetic_mnist.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace test_vae {

namespace fs = std::filesystem;
using ppl::models::VAE;
using ppl::models::VAEOptions;
using ppl::testing::synthetic_images;

namespace {

ppl::examples::TrainingOptions small_run(const std::string& data_dir, const std::string& out_dir) {
  ppl::examples::TrainingOptions o;
  o.epochs = 3;
  o.batch_size = 64;
  o.z_dim = 4;
  o.hidden_dims = {32};
  o.test_frequency = 2;
  o.data_dir = data_dir;
  o.out_dir = out_dir;
  o.progress = false;
  return o;
}

}  // namespace

TEST_CASE("the VAE's model and guide have the tutorial's sites and shapes") {
  VAE vae(VAEOptions().z_dim(5).hidden_dims({16}));
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto x = synthetic_images(3, 0).reshape({3, 784});
  auto guide_trace = ppl::handlers::trace([&] { vae->guide(x); }).get_trace();
  auto model_trace =
      ppl::handlers::trace(ppl::handlers::replay([&] { vae->model(x); }, guide_trace)).get_trace();
  const auto& latent = guide_trace.at("latent");
  CHECK(latent.fn->batch_shape() == ppl::dist::Shape{3});
  CHECK(latent.fn->event_shape() == ppl::dist::Shape{5});
  CHECK(latent.fn->has_rsample());
  const auto& obs = model_trace.at("obs");
  CHECK(obs.is_observed);
  CHECK(obs.fn->event_shape() == ppl::dist::Shape{784});
  CHECK(model_trace.at("latent").cond_indep_stack.at(0).name == "data");
  CHECK(store.contains("encoder$$$hidden.fc1.weight"));
  CHECK(store.contains("decoder$$$loc.bias"));
  CHECK(vae->reconstruct_img(x).sizes() == torch::IntArrayRef({3, 784}));
}

TEST_CASE_TEMPLATE("training on synthetic images lowers the loss", Loss, ppl::infer::Trace_ELBO,
                   ppl::infer::TraceMeanField_ELBO) {
  torch::manual_seed(0);
  VAE vae(VAEOptions().z_dim(4).hidden_dims({64}));
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::infer::SVI svi([&](const torch::Tensor& x) { vae->model(x); },
                      [&](const torch::Tensor& x) { vae->guide(x); },
                      ppl::optim::Adam(ppl::optim::AdamOptions(1e-2)), Loss());
  auto data = synthetic_images(256, 1).reshape({-1, 784});
  auto held_out = synthetic_images(128, 2).reshape({-1, 784});
  const double before = svi.evaluate_loss(held_out) / 128;
  for (int epoch = 0; epoch < 15; ++epoch)
    for (int64_t i = 0; i < 256; i += 64) svi.step(data.slice(0, i, i + 64));
  const double after = svi.evaluate_loss(held_out) / 128;
  MESSAGE("held-out loss per image: before " << before << ", after " << after);
  CHECK(after < before - 100);  // from ~543 (uniform pixels) towards the blobs' entropy
}

TEST_CASE("vae_mnist training writes its outputs and resumes exactly") {
  const auto data_dir = ppl::testing::make_synthetic_mnist_dir("ppl_vae_data");
  const auto out_full = data_dir + "/full", out_resumed = data_dir + "/resumed";
  std::ostringstream full_log, first_log, resumed_log;
  const auto full = ppl::examples::train_vae(small_run(data_dir, out_full), full_log);
  REQUIRE(full.size() == 3);
  CHECK(full[0].test_loss.has_value());  // first epoch
  CHECK(full[1].test_loss.has_value());  // every 2nd
  CHECK(full[2].test_loss.has_value());  // last
  CHECK(full[2].train_loss < full[0].train_loss);
  for (const char* file : {"metrics.json", "elbo.png", "elbo.dat", "elbo.gp", "checkpoint.pt",
                           "samples_epoch_001.png", "reconstructions_epoch_003.png"}) {
    CAPTURE(file);
    CHECK(fs::exists(out_full + "/" + file));
  }
  CHECK(full_log.str().find("[epoch 002]  average training loss: ") != std::string::npos);
  CHECK(full_log.str().find("[epoch 003]  average test loss: ") != std::string::npos);

  // Two epochs, then resume to the third: the same numbers as the uninterrupted run.
  auto first = small_run(data_dir, out_resumed);
  first.epochs = 2;
  ppl::examples::train_vae(first, first_log);
  auto resumed_options = small_run(data_dir, out_resumed);
  resumed_options.resume = true;
  const auto resumed = ppl::examples::train_vae(resumed_options, resumed_log);
  REQUIRE(resumed.size() == 3);
  CHECK(resumed[2].train_loss == full[2].train_loss);
  CHECK(resumed[2].test_loss == full[2].test_loss);
  CHECK(resumed_log.str().find("resuming after epoch 2") != std::string::npos);

  // An incompatible or damaged checkpoint is a clear error naming the file.
  auto other_model = resumed_options;
  other_model.z_dim = 7;
  other_model.epochs = 4;
  std::ostringstream ignored;
  CHECK_THROWS_WITH_AS(
      ppl::examples::train_vae(other_model, ignored),
      doctest::Contains("checkpoint.pt' is for another model: z_dim 4 there, 7 here"),
      std::runtime_error);
  auto unknown_elbo = resumed_options;
  unknown_elbo.elbo = "tracegraph";
  CHECK_THROWS_WITH_AS(ppl::examples::train_vae(unknown_elbo, ignored),
                       "elbo must be trace or meanfield, got 'tracegraph'", std::invalid_argument);
  const auto checkpoint = out_resumed + "/checkpoint.pt";
  fs::resize_file(checkpoint, fs::file_size(checkpoint) / 2);
  CHECK_THROWS_WITH_AS(ppl::examples::load_checkpoint(checkpoint),
                       doctest::Contains(checkpoint.c_str()), std::runtime_error);
  fs::remove_all(data_dir);
}

TEST_CASE("how often vae_mnist tests, and with what, does not change its training losses") {
  const auto data_dir = ppl::testing::make_synthetic_mnist_dir("ppl_vae_schedules");
  auto training_lines = [&](int64_t test_frequency, int64_t test_iwae) {
    auto options =
        small_run(data_dir, fmt::format("{}/every{}_k{}", data_dir, test_frequency, test_iwae));
    options.epochs = 4;
    options.test_frequency = test_frequency;
    options.test_iwae = test_iwae;
    std::ostringstream log;
    const auto history = ppl::examples::train_vae(options, log);
    // The printed lines, and the losses to the last bit.
    std::istringstream lines(log.str());
    std::string line, training;
    while (std::getline(lines, line))
      if (line.find("average training loss") != std::string::npos) training += line + "\n";
    for (const auto& epoch : history) training += fmt::format("{:.17g}\n", epoch.train_loss);
    return std::make_pair(training, history);
  };
  const auto [every_epoch, tested] = training_lines(1, 5);  // with log p(x) estimates
  const auto [seldom, untested] = training_lines(3, 0);
  CHECK(tested[1].test_loss.has_value());
  CHECK(tested[1].test_log_likelihood.has_value());
  CHECK_FALSE(untested[1].test_loss.has_value());
  MESSAGE(every_epoch);
  CHECK(every_epoch == seldom);
  fs::remove_all(data_dir);
}

TEST_CASE("vae_mnist evaluates the importance-weighted bound of a checkpoint without training") {
  const auto data_dir = ppl::testing::make_synthetic_mnist_dir("ppl_vae_iwae");
  const auto out_dir = data_dir + "/out";
  auto options = small_run(data_dir, out_dir);
  options.epochs = 2;
  std::ostringstream train_log;
  const auto trained = ppl::examples::train_vae(options, train_log);
  REQUIRE(trained.size() == 2);
  REQUIRE(trained[1].test_loss.has_value());
  const auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string checkpoint = read(out_dir + "/checkpoint.pt");

  // --resume with the checkpoint's epochs (or 0) trains nothing and evaluates each K.
  std::vector<double> first_values;
  for (int64_t epochs : {2, 0}) {
    CAPTURE(epochs);
    auto evaluate = options;
    evaluate.resume = true;
    evaluate.epochs = epochs;
    evaluate.eval_iwae = {1, 50};
    std::ostringstream log;
    const auto history = ppl::examples::train_vae(evaluate, log);
    REQUIRE(history.size() == 2);
    CHECK(history[1].train_loss == trained[1].train_loss);
    CHECK(log.str().find("nothing to train") != std::string::npos);
    CHECK(log.str().find("[iwae K=50]  average test log p(x) estimate: ") != std::string::npos);
    CHECK(read(out_dir + "/checkpoint.pt") == checkpoint);
    const auto metrics = nlohmann::json::parse(read(out_dir + "/metrics.json"));
    REQUIRE(metrics.at("iwae").size() == 2);
    std::vector<double> values;
    for (const auto& entry : metrics.at("iwae")) {
      CHECK(entry.at("epoch") == 2);
      values.push_back(entry.at("test_log_likelihood").get<double>());
    }
    CHECK(metrics.at("iwae")[1].at("num_samples") == 50);
    MESSAGE("test loss " << *trained[1].test_loss << "; IWAE K = 1: " << values[0]
                         << ", K = 50: " << values[1]);
    // K = 1 is a one-sample ELBO, as the test loss (other draws; 100 images): within 1 nat.
    CHECK(std::abs(values[0] + *trained[1].test_loss) < 1.0);
    CHECK(values[1] > values[0] + 1.0);  // tighter
    if (first_values.empty()) first_values = values;
    CHECK(values == first_values);  // the checkpoint's generator state: the same draws
  }
  auto bad = options;
  bad.eval_iwae = {0};
  std::ostringstream ignored;
  CHECK_THROWS_WITH_AS(ppl::examples::train_vae(bad, ignored), "eval_iwae: K must be >= 1, got 0",
                       std::invalid_argument);
  fs::remove_all(data_dir);
}

}  // namespace test_vae
