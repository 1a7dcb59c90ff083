// The configurable VAE of models/vae.h and vae_mnist's presets: each likelihood's log-density
// against its formula, beta weighting, binarization, the preset table and the command line.
#include "examples/common/mnist.h"
#include "examples/vae_mnist/command_line.h"
#include "examples/vae_mnist/presets.h"
#include "models/vae.h"
#include "tests/support.h"

#include <ppl/ppl.h>

#include <cmath>

namespace test_vae_family {

using ppl::models::Likelihood;
using ppl::models::VAE;
using ppl::models::VAEOptions;

namespace {

constexpr double kHalfLog2Pi = 0.91893853320467274178;

VAEOptions small_vae(Likelihood likelihood) {
  return VAEOptions()
      .z_dim(3)
      .hidden_dims({8, 6})
      .activation(ppl::models::Activation::tanh)
      .likelihood(likelihood)
      .image_size(16);
}

/// The model's trace with the latent fixed to `z`, and what the model returned.
std::pair<ppl::Trace, torch::Tensor> run_model(VAE& vae, const torch::Tensor& x,
                                               const torch::Tensor& z) {
  torch::Tensor returned;
  auto model = ppl::handlers::condition([&] { returned = vae->model(x); }, {{"latent", z}});
  auto trace = ppl::handlers::trace(model).get_trace();
  trace.compute_log_prob();
  return {std::move(trace), returned};
}

}  // namespace

TEST_CASE("each likelihood's log-density is its formula, pixel by pixel") {
  torch::manual_seed(3);
  const auto x = torch::rand({4, 16}, torch::kFloat64);
  const auto z = torch::randn({4, 3}, torch::kFloat64);
  for (auto likelihood : {Likelihood::bernoulli, Likelihood::continuous_bernoulli,
                          Likelihood::gaussian, Likelihood::igaussian}) {
    CAPTURE(ppl::models::to_string(likelihood));
    VAE vae(small_vae(likelihood));
    vae->to(torch::kFloat64);
    ppl::ParamStore store;
    ppl::ParamStoreScope scope(store);
    const auto pixels = vae->decoder->forward(z);
    const auto& p = pixels.loc;
    torch::Tensor expected;  // per image
    switch (likelihood) {
      case Likelihood::bernoulli:
        expected = (x * p.log() + (1 - x) * (1 - p).log()).sum(-1);
        break;
      case Likelihood::continuous_bernoulli: {
        // log C(p) = log(2 atanh(1 - 2p) / (1 - 2p)), away from p = 1/2
        const auto log_normalizer = (2 * torch::atanh(1 - 2 * p) / (1 - 2 * p)).log();
        expected = (x * p.log() + (1 - x) * (1 - p).log() + log_normalizer).sum(-1);
        break;
      }
      case Likelihood::gaussian:
        expected =
            (-kHalfLog2Pi - 0.5 * pixels.log_var - 0.5 * (x - p).square() / pixels.log_var.exp())
                .sum(-1);
        break;
      case Likelihood::igaussian:
        expected = (-kHalfLog2Pi - 0.5 * (x - p).square()).sum(-1);
        break;
    }
    CHECK(pixels.log_var.defined() == (likelihood == Likelihood::gaussian));
    CHECK(p.sizes() == torch::IntArrayRef({4, 16}));
    const auto [trace, returned] = run_model(vae, x, z);
    const auto& obs = trace.at("obs");
    CHECK(obs.is_observed);
    CHECK(obs.fn->event_shape() == ppl::dist::Shape{16});
    CHECK(torch::allclose(obs.log_prob, expected, 1e-10, 1e-10));
    // The model returns the pixel means.
    CHECK(torch::allclose(returned, obs.fn->mean()));
  }
}

TEST_CASE("the Bernoulli kinds decode probabilities, the Gaussian kinds unbounded means") {
  torch::manual_seed(0);
  const auto z = 30 * torch::randn({64, 3});
  VAE bernoulli(small_vae(Likelihood::bernoulli)), gaussian(small_vae(Likelihood::gaussian));
  const auto probs = bernoulli->decoder->forward(z).loc;
  CHECK(probs.min().item<double>() >= 0);
  CHECK(probs.max().item<double>() <= 1);
  // A linear head: the decoder is affine in its last hidden layer, so it leaves [0, 1].
  const auto locs = gaussian->decoder->forward(z).loc;
  CHECK((locs.min().item<double>() < 0 || locs.max().item<double>() > 1));
}

TEST_CASE("hidden layers: the encoder's in order, the decoder's reversed; the tutorial's names") {
  VAE vae(VAEOptions().z_dim(4).hidden_dims({32, 16}).image_size(20));
  const auto encoder = vae->encoder->named_parameters();
  const auto decoder = vae->decoder->named_parameters();
  CHECK(encoder["hidden.fc1.weight"].sizes() == torch::IntArrayRef({32, 20}));
  CHECK(encoder["hidden.fc2.weight"].sizes() == torch::IntArrayRef({16, 32}));
  CHECK(encoder["loc.weight"].sizes() == torch::IntArrayRef({4, 16}));
  CHECK(encoder["scale.weight"].sizes() == torch::IntArrayRef({4, 16}));
  CHECK(decoder["hidden.fc1.weight"].sizes() == torch::IntArrayRef({16, 4}));
  CHECK(decoder["hidden.fc2.weight"].sizes() == torch::IntArrayRef({32, 16}));
  CHECK(decoder["loc.weight"].sizes() == torch::IntArrayRef({20, 32}));
  CHECK_FALSE(decoder.contains("log_var.weight"));
  CHECK_THROWS_WITH_AS(VAE(VAEOptions().hidden_dims({})), "MLP: expected at least one hidden layer",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(VAE(VAEOptions().hidden_dims({8, 0})),
                       "MLP: hidden layer 2 has size 0, expected a positive size",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ppl::models::likelihood_from_string("poisson"),
                       "unknown likelihood 'poisson': expected one of bernoulli, "
                       "continuous-bernoulli, gaussian, igaussian",
                       std::invalid_argument);
  CHECK(ppl::models::activation_from_string("relu") == ppl::models::Activation::relu);
}

TEST_CASE("the encoder's second head is log sigma, or log sigma^2 with encoder_log_variance") {
  torch::manual_seed(1);
  VAE by_scale(VAEOptions().z_dim(2).hidden_dims({5}).image_size(9));
  torch::manual_seed(1);
  VAE by_variance(VAEOptions().z_dim(2).hidden_dims({5}).image_size(9).encoder_log_variance(true));
  const auto x = torch::rand({3, 9});
  const auto q1 = by_scale->encoder->forward(x);
  const auto q2 = by_variance->encoder->forward(x);
  CHECK(torch::allclose(q1.loc(), q2.loc()));
  CHECK(torch::allclose(q2.scale(), q1.scale().sqrt()));
  CHECK(torch::allclose(q2.log_scale(), 0.5 * q1.log_scale()));
}

TEST_CASE("beta weights the latent's terms in model and guide, and nothing else") {
  torch::manual_seed(2);
  const auto x = torch::rand({5, 16});
  for (double beta : {1.0, 4.0}) {
    CAPTURE(beta);
    VAE vae(small_vae(Likelihood::bernoulli).beta(beta));
    ppl::ParamStore store;
    ppl::ParamStoreScope scope(store);
    auto guide = ppl::handlers::trace([&] { vae->guide(x); }).get_trace();
    auto model =
        ppl::handlers::trace(ppl::handlers::replay([&] { vae->model(x); }, guide)).get_trace();
    CHECK(guide.at("latent").scale == beta);
    CHECK(model.at("latent").scale == beta);
    CHECK(model.at("obs").scale == 1.0);
  }
  CHECK_THROWS_AS(VAE(VAEOptions().beta(0)), std::invalid_argument);
}

TEST_CASE("binarize draws each pixel with its intensity as probability, from its seed") {
  ppl::examples::MnistSplit split;
  split.images = torch::full({200, 28, 28}, 64, torch::kUInt8);  // p = 64/255
  split.images.index_put_({0}, 0);
  split.images.index_put_({1}, 255);
  split.labels = torch::arange(200).remainder(10).to(torch::kUInt8);
  const auto a = ppl::examples::binarize(split, 7), b = ppl::examples::binarize(split, 7),
             c = ppl::examples::binarize(split, 8);
  CHECK(torch::equal(a.images, b.images));
  CHECK_FALSE(torch::equal(a.images, c.images));
  CHECK(torch::equal(a.labels, split.labels));
  CHECK((a.images.scalar_type() == torch::kUInt8));
  CHECK(((a.images == 0) | (a.images == 255)).all().item<bool>());
  CHECK((a.images[0] == 0).all().item<bool>());    // probability 0
  CHECK((a.images[1] == 255).all().item<bool>());  // probability 1
  const double p = 64.0 / 255, n = 198 * 784;
  const double frequency = (a.images.slice(0, 2) == 255).sum().item<double>() / n;
  CHECK(std::abs(frequency - p) < 4 * std::sqrt(p * (1 - p) / n));
  CHECK(split.images[5][0][0].item<int>() == 64);  // the original is left alone
}

TEST_CASE("the preset table has each document's settings") {
  std::vector<std::string> names;
  for (const auto& preset : ppl::examples::presets()) names.push_back(preset.name);
  CHECK(names == std::vector<std::string>{"pyro-tutorial", "pytorch-example", "aevb-bernoulli",
                                          "aevb-gaussian", "aevb-igaussian", "zhusuan"});
  const auto preset = [](const std::string& name) {
    ppl::examples::TrainingOptions o;
    ppl::examples::apply_preset(name, o);
    return o;
  };
  const auto tutorial = preset("pyro-tutorial");
  CHECK(tutorial.z_dim == 50);
  CHECK(tutorial.hidden_dims == std::vector<int64_t>{400});
  CHECK(tutorial.activation == "softplus");
  CHECK(tutorial.batch_size == 256);
  CHECK(tutorial.elbo == "trace");

  const auto pytorch = preset("pytorch-example");
  CHECK(pytorch.z_dim == 20);
  CHECK(pytorch.hidden_dims == std::vector<int64_t>{400});
  CHECK(pytorch.activation == "relu");
  CHECK(pytorch.encoder_log_variance);
  CHECK(pytorch.elbo == "meanfield");  // the KL in closed form
  CHECK(pytorch.batch_size == 128);
  CHECK(pytorch.lr == 1e-3);
  CHECK(pytorch.epochs == 10);

  for (auto [name, likelihood] : {std::pair{"aevb-bernoulli", "bernoulli"},
                                  {"aevb-gaussian", "gaussian"},
                                  {"aevb-igaussian", "igaussian"}}) {
    CAPTURE(name);
    const auto aevb = preset(name);
    CHECK(aevb.likelihood == std::string(likelihood));
    CHECK(aevb.z_dim == 20);
    CHECK(aevb.hidden_dims == std::vector<int64_t>{400});
    CHECK(aevb.activation == "relu");
    CHECK(aevb.particles == 5);
    CHECK(aevb.elbo == "meanfield");
    CHECK(aevb.lr == 0.01);
    CHECK(aevb.batch_size == 128);
    CHECK(aevb.epochs == 3);
  }

  const auto zhusuan = preset("zhusuan");
  CHECK(zhusuan.z_dim == 40);
  CHECK(zhusuan.hidden_dims == std::vector<int64_t>{500, 500});
  CHECK(zhusuan.activation == "relu");
  CHECK(zhusuan.likelihood == "bernoulli");
  CHECK(zhusuan.binarize == "dynamic");
  CHECK(zhusuan.eval_iwae == std::vector<int64_t>{1000, 5000});
  CHECK(zhusuan.lr == 1e-3);
  CHECK(zhusuan.lr_decay == 0.95);
  CHECK(zhusuan.lr_decay_after == 250);

  ppl::examples::TrainingOptions o;
  CHECK_THROWS_WITH_AS(ppl::examples::apply_preset("iwae", o),
                       "unknown preset 'iwae': expected one of pyro-tutorial, pytorch-example, "
                       "aevb-bernoulli, aevb-gaussian, aevb-igaussian, zhusuan",
                       std::invalid_argument);
}

TEST_CASE("on the command line, flags override the preset wherever they stand") {
  const auto parse = [](const std::string& line) {
    ppl::examples::TrainingOptions options;
    CLI::App app;
    ppl::examples::add_training_options(app, options);
    app.parse(line, /*program_name_included=*/false);
    return options;
  };
  for (const char* line : {"--preset zhusuan --epochs 3 --hidden-dims 300,200 --no-progress",
                           "--epochs 3 --hidden-dims 300,200 --no-progress --preset zhusuan"}) {
    CAPTURE(line);
    const auto o = parse(line);
    CHECK(o.epochs == 3);
    CHECK(o.hidden_dims == std::vector<int64_t>{300, 200});
    CHECK(o.z_dim == 40);  // from the preset
    CHECK(o.binarize == "dynamic");
    CHECK_FALSE(o.progress);
  }
  // Flags that must be positive say so (not CLI11's range up to the largest double).
  const std::string zero_batch = ppl::testing::what_of([&] { parse("--batch-size 0"); });
  CHECK(ppl::testing::contains(zero_batch, "--batch-size: must be > 0, got 0"));
  CHECK_FALSE(ppl::testing::contains(zero_batch, "1797693134862315708"));
  CHECK(ppl::testing::contains(ppl::testing::what_of([&] { parse("--epochs -1"); }),
                               "--epochs: must be >= 0, got -1"));
  CHECK(ppl::testing::contains(ppl::testing::what_of([&] { parse("--lr fast"); }),
                               "must be a number, got 'fast'"));
  const auto plain = parse("--likelihood gaussian --particles 4 --beta 2.5 --binarize fixed");
  CHECK(plain.likelihood == "gaussian");
  CHECK(plain.particles == 4);
  CHECK(plain.beta == 2.5);
  CHECK(plain.binarize == "fixed");
  CHECK(plain.z_dim == 50);  // the tutorial's
  CHECK_THROWS_AS(parse("--preset nope"), CLI::ValidationError);
  CHECK_THROWS_AS(parse("--likelihood poisson"), CLI::ValidationError);
  CHECK_THROWS_AS(parse("--binarize sometimes"), CLI::ValidationError);
  CHECK_THROWS_AS(parse("--particles 0"), CLI::ValidationError);
}

}  // namespace test_vae_family
