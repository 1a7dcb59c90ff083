// The conditional VAE: its model and guide, how the labels enter both networks, argument errors,
// training on labelled synthetic images, and the cvae_mnist program's outputs and exact
// resumption.
#include <doctest/doctest.h>

#include "examples/common/png.h"
#include "examples/cvae_mnist/training.h"
#include "examples/vae_mnist/training.h"
#include "models/cvae.h"
#include "tests/support.h"
#include "tests/synthetic_mnist.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace test_cvae {

namespace fs = std::filesystem;
using ppl::models::CVAE;
using ppl::models::CVAEOptions;
using ppl::testing::synthetic_labelled_images;

namespace {

torch::Tensor labels_of(std::vector<int64_t> values) {
  return torch::tensor(values, torch::kLong);
}

ppl::examples::CvaeTrainingOptions small_run(const std::string& data_dir,
                                             const std::string& out_dir) {
  ppl::examples::CvaeTrainingOptions o;
  o.epochs = 3;
  o.batch_size = 64;
  o.z_dim = 4;
  o.hidden_dims = {32};
  o.data_dir = data_dir;
  o.out_dir = out_dir;
  o.progress = false;
  return o;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("the CVAE's model and guide have their sites and shapes") {
  CVAE cvae(CVAEOptions().z_dim(5).hidden_dims({16}));
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const auto data = synthetic_labelled_images(3, 0);
  const auto x = data.images.reshape({3, 784});
  auto guide_trace = ppl::handlers::trace([&] { cvae->guide(x, data.labels); }).get_trace();
  torch::Tensor probs;
  auto model_trace =
      ppl::handlers::trace(
          ppl::handlers::replay([&] { probs = cvae->model(x, data.labels); }, guide_trace))
          .get_trace();
  const auto& latent = guide_trace.at("latent");
  CHECK(latent.fn->batch_shape() == ppl::dist::Shape{3});
  CHECK(latent.fn->event_shape() == ppl::dist::Shape{5});
  CHECK(latent.fn->has_rsample());
  CHECK(guide_trace.at("latent").cond_indep_stack.at(0).name == "data");
  const auto& obs = model_trace.at("obs");
  CHECK(obs.is_observed);
  CHECK(obs.fn->batch_shape() == ppl::dist::Shape{3});
  CHECK(obs.fn->event_shape() == ppl::dist::Shape{784});
  CHECK(torch::equal(obs.value, x));
  CHECK(model_trace.at("latent").cond_indep_stack.at(0).name == "data");
  CHECK(torch::equal(model_trace.at("latent").value, latent.value));
  CHECK(probs.sizes() == torch::IntArrayRef({3, 784}));
  CHECK(probs.min().item<float>() >= 0);
  CHECK(probs.max().item<float>() <= 1);
  // One-hot labels widen the first layer of each network by num_classes.
  CHECK(store.unconstrained("encoder$$$hidden.fc1.weight").sizes() ==
        torch::IntArrayRef({16, 784 + 10}));
  CHECK(store.unconstrained("decoder$$$hidden.fc1.weight").sizes() ==
        torch::IntArrayRef({16, 5 + 10}));
  CHECK(store.contains("encoder$$$scale.bias"));
  CHECK(store.contains("decoder$$$loc.bias"));
  // Images given as (N, 1, 28, 28) are the same rows.
  CHECK(cvae->reconstruct_img(data.images.reshape({3, 1, 28, 28}), data.labels).sizes() ==
        torch::IntArrayRef({3, 784}));
  CHECK(cvae->generate(labels_of({0, 9})).sizes() == torch::IntArrayRef({2, 784}));
}

TEST_CASE("the labels enter the CVAE's encoder and decoder") {
  torch::manual_seed(0);
  CVAE cvae(CVAEOptions().z_dim(4).hidden_dims({32}));
  torch::NoGradGuard no_grad;
  const auto z = torch::randn({2, 4});
  const auto as_three = cvae->decoder->forward(z, labels_of({3, 3}));
  const auto as_seven = cvae->decoder->forward(z, labels_of({7, 7}));
  CHECK(torch::equal(cvae->decoder->forward(z, labels_of({3, 3})), as_three));
  CHECK((as_three - as_seven).abs().max().item<float>() > 1e-4);

  const auto x = synthetic_labelled_images(2, 1).images;
  const auto three = cvae->encoder->forward(x, labels_of({3, 3}));
  const auto seven = cvae->encoder->forward(x, labels_of({7, 7}));
  CHECK((three.loc() - seven.loc()).abs().max().item<float>() > 1e-4);
  CHECK((three.scale() - seven.scale()).abs().max().item<float>() > 1e-4);

  // A generator seeded alike gives the same latents whatever the labels: only y differs.
  const auto draw = [&](const torch::Tensor& labels) {
    return cvae->generate(labels, at::detail::createCPUGenerator(5));
  };
  CHECK(torch::equal(draw(labels_of({3, 3})), draw(labels_of({3, 3}))));
  CHECK(torch::allclose(draw(labels_of({3, 7})).slice(0, 0, 1),
                        draw(labels_of({3, 3})).slice(0, 0, 1)));
  CHECK(!torch::allclose(draw(labels_of({7, 7})), draw(labels_of({3, 3}))));

  CHECK(torch::equal(ppl::models::one_hot_labels(labels_of({2, 0}), 3),
                     torch::tensor({0.f, 0.f, 1.f, 1.f, 0.f, 0.f}).reshape({2, 3})));
  // Any integer type of class index will do.
  CHECK(torch::equal(ppl::models::one_hot_labels(labels_of({2, 0}).to(torch::kUInt8), 3),
                     ppl::models::one_hot_labels(labels_of({2, 0}), 3)));
}

TEST_CASE("the CVAE rejects bad labels and mismatched batches with clear messages") {
  using ppl::testing::invalid_argument_of;
  CVAE cvae(CVAEOptions().z_dim(4).hidden_dims({8}));
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const auto x = synthetic_labelled_images(3, 2).images.reshape({3, 784});
  const auto z = torch::zeros({3, 4});

  CHECK(invalid_argument_of([&] {
          cvae->model(x, labels_of({0, 10, 1}));
        }) == "CVAE: label 10 (at index 1) is outside [0, 10)");
  CHECK(invalid_argument_of([&] {
          cvae->guide(x, labels_of({0, 1, -1}));
        }) == "CVAE: label -1 (at index 2) is outside [0, 10)");
  CHECK(invalid_argument_of([&] { cvae->generate(labels_of({12})); }) ==
        "CVAE: label 12 (at index 0) is outside [0, 10)");
  CHECK(invalid_argument_of([&] {
          cvae->decoder->forward(z, labels_of({0, 1, 10}));
        }) == "CVAE: label 10 (at index 2) is outside [0, 10)");
  CHECK(invalid_argument_of([&] { cvae->guide(x, torch::zeros({3})); }) ==
        "CVAE: labels of type Float: expected integer class indices");
  CHECK(invalid_argument_of([&] {
          cvae->model(x, torch::zeros({3, 1}, torch::kLong));
        }) == "CVAE: labels of shape (3, 1): expected class indices of shape (N)");

  const std::string mismatch =
      "CVAE: images of shape (3, 784) and 2 labels: expected one label per image of 784 pixels";
  CHECK(invalid_argument_of([&] { cvae->model(x, labels_of({0, 1})); }) == mismatch);
  CHECK(invalid_argument_of([&] { cvae->guide(x, labels_of({0, 1})); }) == mismatch);
  CHECK(invalid_argument_of([&] { cvae->encoder->forward(x, labels_of({0, 1})); }) == mismatch);
  CHECK(invalid_argument_of([&] {
          cvae->model(x.slice(1, 0, 700), labels_of({0, 1, 2}));
        }) ==
        "CVAE: images of shape (3, 700) and 3 labels: expected one label per image of 784 "
        "pixels");
  CHECK(invalid_argument_of([&] {
          cvae->decoder->forward(z, labels_of({0, 1}));
        }) == "CVAE decoder: latents of shape (3, 4) and 2 labels: expected (2, 4)");
  CHECK(invalid_argument_of([&] { (void)CVAE(CVAEOptions().num_classes(0)); }) ==
        "CVAE: z_dim 20, image_size 784 and num_classes 0: expected all positive");
}

TEST_CASE("training the CVAE on labelled synthetic images lowers the loss and draws each label") {
  torch::manual_seed(0);
  CVAE cvae(CVAEOptions().z_dim(4).hidden_dims({64}));
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::infer::SVI svi([&](const torch::Tensor& x, const torch::Tensor& y) { cvae->model(x, y); },
                      [&](const torch::Tensor& x, const torch::Tensor& y) { cvae->guide(x, y); },
                      ppl::optim::Adam(ppl::optim::AdamOptions(1e-2)), ppl::infer::Trace_ELBO());
  const auto data = synthetic_labelled_images(256, 1);
  const auto held_out = synthetic_labelled_images(128, 2);
  const auto x = data.images.reshape({-1, 784}), x_held_out = held_out.images.reshape({-1, 784});
  const double before = svi.evaluate_loss(x_held_out, held_out.labels) / 128;
  for (int epoch = 0; epoch < 15; ++epoch)
    for (int64_t i = 0; i < 256; i += 64)
      svi.step(x.slice(0, i, i + 64), data.labels.slice(0, i, i + 64));
  const double after = svi.evaluate_loss(x_held_out, held_out.labels) / 128;
  MESSAGE("held-out loss per image: before " << before << ", after " << after);
  CHECK(after < before - 100);  // from ~543 (uniform pixels) towards the blobs' entropy

  // Prior draws decoded with label k look like blob k: the conditioning is learned.
  const auto blobs = ppl::testing::synthetic_blobs().reshape({4, 784});
  for (int64_t k = 0; k < 4; ++k) {
    CAPTURE(k);
    const auto mean_image = cvae->generate(torch::full({50}, k, torch::kLong)).mean(0);
    const auto distances = (blobs - mean_image).square().sum(1);
    CHECK(distances.argmin().item<int64_t>() == k);
  }
}

TEST_CASE("cvae_mnist training writes its outputs and resumes exactly") {
  const auto data_dir = ppl::testing::make_synthetic_mnist_dir("ppl_cvae_data");
  const auto out_full = data_dir + "/full", out_resumed = data_dir + "/resumed";
  std::ostringstream full_log, first_log, resumed_log;
  const auto full = ppl::examples::train_cvae(small_run(data_dir, out_full), full_log);
  REQUIRE(full.size() == 3);
  for (const auto& epoch : full) CHECK(epoch.test_loss.has_value());  // every epoch
  CHECK(full[2].train_loss < full[0].train_loss);
  CHECK(*full[2].test_loss < *full[0].test_loss);
  for (const char* file :
       {"metrics.json", "elbo.dat", "elbo.gp", "checkpoint.pt", "generated_epoch_001.png",
        "generated_epoch_003.png", "reconstructions_epoch_003.png"}) {
    CAPTURE(file);
    CHECK(fs::exists(out_full + "/" + file));
  }
  const auto grid = ppl::examples::read_png(out_full + "/generated_epoch_003.png");
  CHECK(grid.width == 10 * (28 + 2) + 2);  // 10 x 10 images, 2 pixels of padding
  CHECK(grid.height == 10 * (28 + 2) + 2);
  const auto metrics = nlohmann::json::parse(read(out_full + "/metrics.json"));
  CHECK(metrics.at("options").at("model") == "cvae");
  CHECK(metrics.at("options").at("z_dim") == 4);
  REQUIRE(metrics.at("epochs").size() == 3);
  CHECK(metrics.at("epochs")[1].at("test_loss").get<double>() == *full[1].test_loss);
  CHECK(full_log.str().find("[epoch 002]  average training loss: ") != std::string::npos);
  CHECK(full_log.str().find("[epoch 002]  average test loss: ") != std::string::npos);

  // Two epochs, then resume to the third: the same numbers and pictures as the uninterrupted run.
  auto first = small_run(data_dir, out_resumed);
  first.epochs = 2;
  ppl::examples::train_cvae(first, first_log);
  auto resumed_options = small_run(data_dir, out_resumed);
  resumed_options.resume = true;
  const auto resumed = ppl::examples::train_cvae(resumed_options, resumed_log);
  REQUIRE(resumed.size() == 3);
  CHECK(resumed[1].train_loss == full[1].train_loss);
  CHECK(resumed[2].train_loss == full[2].train_loss);
  CHECK(resumed[2].test_loss == full[2].test_loss);
  CHECK(resumed_log.str().find("resuming after epoch 2") != std::string::npos);
  for (const char* file : {"generated_epoch_003.png", "reconstructions_epoch_003.png"}) {
    CAPTURE(file);
    CHECK(read(out_resumed + "/" + file) == read(out_full + "/" + file));
  }

  // A checkpoint of another architecture, or of the plain VAE, is a clear error naming the file.
  auto other_model = resumed_options;
  other_model.z_dim = 7;
  other_model.epochs = 4;
  std::ostringstream ignored;
  CHECK_THROWS_WITH_AS(
      ppl::examples::train_cvae(other_model, ignored),
      doctest::Contains("checkpoint.pt' is for another model: z_dim 4 there, 7 here"),
      std::runtime_error);
  ppl::examples::TrainingOptions vae_run;
  vae_run.epochs = 1;
  vae_run.z_dim = 4;
  vae_run.hidden_dims = {32};
  vae_run.data_dir = data_dir;
  vae_run.out_dir = data_dir + "/vae";
  vae_run.progress = false;
  ppl::examples::train_vae(vae_run, ignored);
  auto over_vae = small_run(data_dir, vae_run.out_dir);
  over_vae.resume = true;
  CHECK_THROWS_WITH_AS(ppl::examples::train_cvae(over_vae, ignored),
                       doctest::Contains("checkpoint.pt' is for another model: activation "
                                         "\"softplus\" there, \"relu\" here; model null there, "
                                         "\"cvae\" here"),
                       std::runtime_error);
  fs::remove_all(data_dir);
}

}  // namespace test_cvae
