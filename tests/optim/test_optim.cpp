// ppl::optim: update rules against torch::optim, ClippedAdam against Pyro's formula, lazy
// per-parameter registration, per-parameter options, state get/set and save/load.

#include "ppl/io/file_io.h"
#include "ppl/optim/optim.h"

#include <doctest/doctest.h>
#include <torch/torch.h>
#include "tests/support.h"

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace test_optim {

using ppl::testing::contains;
using ppl::testing::TempDir;
using ppl::testing::what_of;

namespace {

using ppl::optim::NamedParameters;

constexpr int kSteps = 20;

// 0.5 * sum(w * (x - t)^2) with a different curvature w and target t per element.
torch::Tensor quadratic_loss(const torch::Tensor& x) {
  const auto options = x.options();
  const auto weight = torch::linspace(0.5, 3.0, x.numel(), options).reshape(x.sizes());
  const auto target = torch::linspace(-1.0, 2.0, x.numel(), options).reshape(x.sizes());
  return 0.5 * (weight * (x - target).pow(2)).sum();
}

torch::Tensor initial_param(torch::Device device = torch::kCPU) {
  return torch::linspace(0.3, -0.7, 6, torch::dtype(torch::kFloat64).device(device))
      .reshape({2, 3})
      .requires_grad_(true);
}

// Sets x.grad() to the gradient of the quadratic at x.
void compute_grad(const torch::Tensor& x) {
  x.mutable_grad() = torch::Tensor();
  quadratic_loss(x).backward();
}

// Parameter values after each of `steps` steps of our optimizer on the quadratic.
std::vector<torch::Tensor> trajectory(ppl::optim::Optimizer& optimizer, const torch::Tensor& x,
                                      int steps = kSteps) {
  std::vector<torch::Tensor> values;
  for (int i = 0; i < steps; ++i) {
    compute_grad(x);
    optimizer.step({{"x", x}});
    values.push_back(x.detach().clone());
  }
  return values;
}

// The same with a torch::optim optimizer over `x`.
template <typename TorchOptimizer, typename TorchOptions>
std::vector<torch::Tensor> torch_trajectory(const TorchOptions& options, const torch::Tensor& x,
                                            int steps = kSteps) {
  TorchOptimizer optimizer(std::vector<torch::Tensor>{x}, options);
  std::vector<torch::Tensor> values;
  for (int i = 0; i < steps; ++i) {
    optimizer.zero_grad();
    quadratic_loss(x).backward();
    optimizer.step();
    values.push_back(x.detach().clone());
  }
  return values;
}

bool close(const torch::Tensor& a, const torch::Tensor& b, double rtol = 1e-12,
           double atol = 1e-15) {
  return torch::allclose(a.cpu(), b.cpu(), rtol, atol);
}

void check_same(const std::vector<torch::Tensor>& ours, const std::vector<torch::Tensor>& theirs,
                double rtol = 1e-12, double atol = 1e-15) {
  REQUIRE(ours.size() == theirs.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    INFO("step " << i + 1 << ": largest relative difference "
                 << ((ours[i] - theirs[i]).abs() / theirs[i].abs()).max().item<double>()
                 << ", absolute " << (ours[i] - theirs[i]).abs().max().item<double>());
    CHECK(close(ours[i], theirs[i], rtol, atol));
  }
  // The runs must have moved, or the comparison says nothing.
  CHECK_FALSE(close(ours.front(), ours.back()));
}

}  // namespace

static_assert(std::is_move_constructible_v<ppl::optim::Adam>, "SVI can take an optimizer by value");

TEST_CASE("options spell as in LibTorch: braces set the learning rate") {
  ppl::optim::Adam adam({0.01});
  ppl::optim::SGD sgd({0.2});
  ppl::optim::ClippedAdam clipped({0.03});
  auto moved = std::make_unique<ppl::optim::Adam>(std::move(adam));
  auto x = initial_param();
  compute_grad(x);
  moved->step({{"x", x}});
  sgd.step({{"x", x}});
  clipped.step({{"x", x}});
  CHECK(moved->lr("x") == 0.01);
  CHECK(sgd.lr("x") == 0.2);
  CHECK(clipped.lr("x") == 0.03);
  CHECK(ppl::optim::Adagrad().type_name() == std::string("Adagrad"));
  // `{}` would read as lr 0: refused, naming the option.
  CHECK(contains(what_of([] { ppl::optim::Adam({}); }), "'lr' must be positive"));
  ppl::optim::RMSprop rmsprop(0.5);
  rmsprop.step({{"x", x}});
  CHECK(rmsprop.lr("x") == 0.5);
}

TEST_CASE("Adam follows torch::optim::Adam") {
  for (double weight_decay : {0.0, 0.1}) {
    CAPTURE(weight_decay);
    ppl::optim::Adam ours(
        ppl::optim::AdamOptions(0.05).betas({0.8, 0.99}).eps(1e-6).weight_decay(weight_decay));
    auto theirs = torch_trajectory<torch::optim::Adam>(
        torch::optim::AdamOptions(0.05).betas({0.8, 0.99}).eps(1e-6).weight_decay(weight_decay),
        initial_param());
    check_same(trajectory(ours, initial_param()), theirs);
  }
  ppl::optim::Adam defaults;
  check_same(trajectory(defaults, initial_param()),
             torch_trajectory<torch::optim::Adam>(torch::optim::AdamOptions(), initial_param()));
  // Large parameters take the tensor-op path, small ones a scalar loop: both follow torch.
  auto large = [] {
    return torch::linspace(0.3, -0.7, 500, torch::kFloat64).reshape({20, 25}).requires_grad_(true);
  };
  ppl::optim::Adam for_large(ppl::optim::AdamOptions(0.05));
  const auto ours = trajectory(for_large, large());
  check_same(ours, torch_trajectory<torch::optim::Adam>(torch::optim::AdamOptions(0.05), large()));
}

TEST_CASE("SGD follows torch::optim::SGD, with momentum and nesterov") {
  struct Case {
    double momentum, dampening, weight_decay;
    bool nesterov;
  };
  for (const Case& c : {Case{0, 0, 0, false}, Case{0.9, 0, 0, false}, Case{0.9, 0.3, 0.1, false},
                        Case{0.8, 0, 0, true}, Case{0.8, 0, 0.05, true}}) {
    CAPTURE(c.momentum);
    CAPTURE(c.dampening);
    CAPTURE(c.nesterov);
    ppl::optim::SGD ours(ppl::optim::SGDOptions(0.05)
                             .momentum(c.momentum)
                             .dampening(c.dampening)
                             .weight_decay(c.weight_decay)
                             .nesterov(c.nesterov));
    auto theirs = torch_trajectory<torch::optim::SGD>(torch::optim::SGDOptions(0.05)
                                                          .momentum(c.momentum)
                                                          .dampening(c.dampening)
                                                          .weight_decay(c.weight_decay)
                                                          .nesterov(c.nesterov),
                                                      initial_param());
    check_same(trajectory(ours, initial_param()), theirs);
  }
}

TEST_CASE("Adagrad follows torch::optim::Adagrad") {
  ppl::optim::Adagrad ours(ppl::optim::AdagradOptions(0.2)
                               .lr_decay(0.05)
                               .weight_decay(0.1)
                               .initial_accumulator_value(0.3)
                               .eps(1e-8));
  auto theirs = torch_trajectory<torch::optim::Adagrad>(torch::optim::AdagradOptions(0.2)
                                                            .lr_decay(0.05)
                                                            .weight_decay(0.1)
                                                            .initial_accumulator_value(0.3)
                                                            .eps(1e-8),
                                                        initial_param());
  check_same(trajectory(ours, initial_param()), theirs);
  ppl::optim::Adagrad defaults;
  check_same(
      trajectory(defaults, initial_param()),
      torch_trajectory<torch::optim::Adagrad>(torch::optim::AdagradOptions(), initial_param()));
}

TEST_CASE("RMSprop follows torch::optim::RMSprop, plain, centered and with momentum") {
  for (bool centered : {false, true}) {
    for (double momentum : {0.0, 0.7}) {
      CAPTURE(centered);
      CAPTURE(momentum);
      ppl::optim::RMSprop ours(ppl::optim::RMSpropOptions(0.01)
                                   .alpha(0.9)
                                   .eps(1e-6)
                                   .weight_decay(0.05)
                                   .momentum(momentum)
                                   .centered(centered));
      auto theirs = torch_trajectory<torch::optim::RMSprop>(torch::optim::RMSpropOptions(0.01)
                                                                .alpha(0.9)
                                                                .eps(1e-6)
                                                                .weight_decay(0.05)
                                                                .momentum(momentum)
                                                                .centered(centered),
                                                            initial_param());
      check_same(trajectory(ours, initial_param()), theirs);
    }
  }
}

TEST_CASE("ClippedAdam is Adam on clamped gradients with a decaying learning rate") {
  const auto gradient = [](int step) {
    return torch::tensor({{1e6, -3e5, 0.5}, {-2.0, 7e4, -1e-3}}, torch::kFloat64) * (1.0 + step);
  };

  SUBCASE("huge gradients: the update is Adam's on gradients clamped to clip_norm") {
    // eps 0: ClippedAdam adds eps before the bias correction of v, Adam after it.
    ppl::optim::ClippedAdam ours(ppl::optim::ClippedAdamOptions(0.01).eps(0).clip_norm(5));
    auto x = initial_param();
    auto reference = initial_param();
    torch::optim::Adam adam(std::vector<torch::Tensor>{reference},
                            torch::optim::AdamOptions(0.01).eps(0));
    for (int i = 0; i < 10; ++i) {
      x.mutable_grad() = gradient(i);
      ours.step({{"x", x}});
      CHECK(torch::equal(x.grad(), gradient(i)));  // the gradient itself is not clamped
      reference.mutable_grad() = gradient(i).clamp(-5, 5);
      adam.step();
      CHECK(close(x, reference));
    }
  }

  SUBCASE("lrd < 1 decays the learning rate before every update, as Pyro's formula") {
    const double lr = 0.02, lrd = 0.9, clip = 10, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    ppl::optim::ClippedAdam ours(ppl::optim::ClippedAdamOptions(lr).lrd(lrd).weight_decay(0.1));
    auto x = initial_param();
    auto p = x.detach().clone();
    auto m = torch::zeros_like(p), v = torch::zeros_like(p);
    double current_lr = lr;
    for (int t = 1; t <= 10; ++t) {
      x.mutable_grad() = gradient(t);
      ours.step({{"x", x}});
      current_lr *= lrd;
      auto g = gradient(t).clamp(-clip, clip) + 0.1 * p;
      m = beta1 * m + (1 - beta1) * g;
      v = beta2 * v + (1 - beta2) * g * g;
      p = p - current_lr * std::sqrt(1 - std::pow(beta2, t)) / (1 - std::pow(beta1, t)) * m /
                  (v.sqrt() + eps);
      CHECK(close(x, p));
      CHECK(ours.lr("x") == doctest::Approx(lr * std::pow(lrd, t)).epsilon(1e-13));
    }
  }

  SUBCASE("clip_norm large and lrd 1: Adam") {
    ppl::optim::ClippedAdam ours(ppl::optim::ClippedAdamOptions(0.05).eps(0).clip_norm(1e10));
    check_same(trajectory(ours, initial_param()),
               torch_trajectory<torch::optim::Adam>(torch::optim::AdamOptions(0.05).eps(0),
                                                    initial_param()));
    // Small parameters take Adam's scalar loop, large ones its tensor ops: both are Adam.
    const auto large = [] {
      return torch::linspace(0.3, -0.7, 500, torch::kFloat64).reshape({20, 25}).requires_grad_();
    };
    ppl::optim::ClippedAdam for_large(ppl::optim::ClippedAdamOptions(0.05).eps(0).clip_norm(1e10));
    check_same(
        trajectory(for_large, large()),
        torch_trajectory<torch::optim::Adam>(torch::optim::AdamOptions(0.05).eps(0), large()));
    // With the default eps the two differ only by where eps enters: eps / sqrt(1 - b2^t) (up to
    // 30 eps) in place of eps, which moves x by about lr * 30 eps / |g| ~ 1e-7 (steps are ~0.05).
    ppl::optim::ClippedAdam with_eps(ppl::optim::ClippedAdamOptions(0.05).clip_norm(1e10));
    check_same(
        trajectory(with_eps, initial_param()),
        torch_trajectory<torch::optim::Adam>(torch::optim::AdamOptions(0.05), initial_param()),
        /*rtol=*/0, /*atol=*/1e-6);
    CHECK(with_eps.lr("x") == 0.05);
  }
}

TEST_CASE("parameters are registered lazily and only the given ones are updated") {
  ppl::optim::Adam optimizer(ppl::optim::AdamOptions(0.1));
  auto a = initial_param();
  auto b = initial_param();
  auto c = initial_param();  // passed, but never has a gradient
  auto a_reference = initial_param();
  torch::optim::Adam a_adam(std::vector<torch::Tensor>{a_reference},
                            torch::optim::AdamOptions(0.1));
  const auto b_start = b.detach().clone();

  for (int i = 0; i < 5; ++i) {
    compute_grad(a);
    compute_grad(b);  // b has a gradient but is not passed: it must not move
    optimizer.step({{"a", a}, {"c", c}});
    a_adam.zero_grad();
    quadratic_loss(a_reference).backward();
    a_adam.step();
    CHECK(close(a, a_reference));
    CHECK(torch::equal(b, b_start));
    CHECK(torch::equal(c, initial_param()));
  }
  CHECK(optimizer.contains("a"));
  CHECK(optimizer.contains("c"));
  CHECK_FALSE(optimizer.contains("b"));
  CHECK(optimizer.names() == std::vector<std::string>{"a", "c"});
  CHECK_THROWS_AS(optimizer.lr("b"), std::out_of_range);

  // Step 6: b is new, so its update is a first Adam step; a continues.
  auto b_reference = initial_param();
  torch::optim::Adam b_adam(std::vector<torch::Tensor>{b_reference},
                            torch::optim::AdamOptions(0.1));
  compute_grad(a);
  compute_grad(b);
  optimizer.step({{"a", a}, {"b", b}});
  a_adam.zero_grad();
  quadratic_loss(a_reference).backward();
  a_adam.step();
  b_adam.zero_grad();
  quadratic_loss(b_reference).backward();
  b_adam.step();
  CHECK(close(a, a_reference));
  CHECK(close(b, b_reference));
  CHECK_FALSE(torch::equal(b, b_start));
  const auto state = optimizer.get_state();
  CHECK(state.at("a").scalars.at("step") == 6);
  CHECK(state.at("b").scalars.at("step") == 1);
  CHECK(state.at("c").scalars.at("step") == 0);
  // The optimizer leaves gradients alone (SVI zeroes them).
  CHECK(a.grad().defined());
  CHECK(a.grad().abs().sum().item<double>() > 0);
}

TEST_CASE("per-parameter options come from (module_name, param_name)") {
  CHECK(ppl::optim::split_param_name("encoder$$$fc1.weight") ==
        std::make_pair(std::string("encoder"), std::string("fc1.weight")));
  CHECK(ppl::optim::split_param_name("loc") == std::make_pair(std::string(""), std::string("loc")));

  std::vector<std::pair<std::string, std::string>> calls;
  ppl::optim::SGD optimizer([&](const std::string& module_name, const std::string& param_name) {
    calls.emplace_back(module_name, param_name);
    return ppl::optim::SGDOptions(module_name == "encoder" ? 0.5 : 0.01);
  });
  auto weight = initial_param();
  auto loc = initial_param();
  for (int i = 0; i < 3; ++i) {
    compute_grad(weight);
    compute_grad(loc);
    const auto weight_before = weight.detach().clone();
    const auto loc_before = loc.detach().clone();
    optimizer.step({{"encoder$$$fc1.weight", weight}, {"loc", loc}});
    CHECK(close(weight, weight_before - 0.5 * weight.grad()));
    CHECK(close(loc, loc_before - 0.01 * loc.grad()));
  }
  // Called once per parameter, when it is first seen.
  REQUIRE(calls.size() == 2);
  CHECK(calls[0] == std::make_pair(std::string("encoder"), std::string("fc1.weight")));
  CHECK(calls[1] == std::make_pair(std::string(""), std::string("loc")));
  CHECK(optimizer.lr("encoder$$$fc1.weight") == 0.5);
  CHECK(optimizer.lr("loc") == 0.01);

  optimizer.set_lr("loc", 0.1);
  CHECK(optimizer.lr("loc") == 0.1);
  CHECK_THROWS_AS(optimizer.set_lr("loc", -1), std::invalid_argument);
}

TEST_CASE("invalid options throw std::invalid_argument naming the option") {
  using namespace ppl::optim;
  CHECK(contains(what_of([] { Adam(AdamOptions(-1)); }), "'lr'"));
  CHECK(contains(what_of([] { Adam(AdamOptions().betas({0.9, 1.0})); }), "'betas[1]'"));
  CHECK(contains(what_of([] { SGD(SGDOptions(0.1).nesterov(true)); }), "'momentum'"));
  CHECK(contains(what_of([] { SGD(SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)); }),
                 "'dampening'"));
  CHECK(contains(what_of([] { Adagrad(AdagradOptions().lr_decay(-1)); }), "'lr_decay'"));
  CHECK(contains(what_of([] { RMSprop(RMSpropOptions().alpha(-0.5)); }), "'alpha'"));
  CHECK(contains(what_of([] { ClippedAdam(ClippedAdamOptions().clip_norm(0)); }), "'clip_norm'"));
  CHECK(contains(what_of([] { ClippedAdam(ClippedAdamOptions().lrd(-1)); }), "'lrd'"));
  CHECK_THROWS_AS(Adam(AdamOptions(-1)), std::invalid_argument);

  // From a callback: checked when the parameter is first seen, naming it.
  Adam optimizer([](const std::string&, const std::string&) { return AdamOptions(-0.1); });
  auto x = initial_param();
  compute_grad(x);
  const std::string message = what_of([&] { optimizer.step({{"encoder$$$w", x}}); });
  CHECK(contains(message, "'lr'"));
  CHECK(contains(message, "encoder$$$w"));
  CHECK(torch::equal(x, initial_param()));
}

TEST_CASE("state: get_state/set_state and save/load continue exactly") {
  ppl::optim::AdamOptions options(0.05);
  ppl::optim::Adam a(options);
  auto x = initial_param();
  trajectory(a, x, 5);
  const auto state = a.get_state();
  REQUIRE(state.count("x") == 1);
  CHECK(state.at("x").tensors.size() == 2);
  CHECK(state.at("x").scalars.at("step") == 5);
  CHECK(state.at("x").scalars.at("lr") == 0.05);
  CHECK_FALSE(state.at("x").tensors.at("exp_avg").requires_grad());

  // get_state returns copies.
  state.at("x").tensors.at("exp_avg").add_(1.0);
  CHECK_FALSE(torch::equal(a.get_state().at("x").tensors.at("exp_avg"),
                           state.at("x").tensors.at("exp_avg")));
  const auto clean_state = a.get_state();

  // B has not seen "x": the state waits for it, and shows in get_state meanwhile.
  ppl::optim::Adam b(options);
  b.set_state(clean_state);
  CHECK(torch::equal(b.get_state().at("x").tensors.at("exp_avg_sq"),
                     clean_state.at("x").tensors.at("exp_avg_sq")));
  // C has seen "x" (2 steps of its own): the state replaces its own now.
  ppl::optim::Adam c(options);
  auto x_c = initial_param();
  trajectory(c, x_c, 2);
  c.set_state(clean_state);
  CHECK(c.get_state().at("x").scalars.at("step") == 5);

  // D loads it from a file.
  TempDir dir;
  const auto path = dir / "adam.pt";
  a.save(path);
  ppl::optim::Adam d(options);
  d.load(path);
  CHECK(torch::equal(d.get_state().at("x").tensors.at("exp_avg"),
                     clean_state.at("x").tensors.at("exp_avg")));

  auto x_b = x.detach().clone().requires_grad_(true);
  x_c = x.detach().clone().requires_grad_(true);
  auto x_d = x.detach().clone().requires_grad_(true);
  const auto expected = trajectory(a, x, 5);
  for (auto [optimizer, param] :
       {std::make_pair(&b, x_b), std::make_pair(&c, x_c), std::make_pair(&d, x_d)}) {
    const auto values = trajectory(*optimizer, param, 5);
    for (size_t i = 0; i < values.size(); ++i) CHECK(torch::equal(values[i], expected[i]));
  }
}

TEST_CASE("every optimizer continues exactly after save and load") {
  using namespace ppl::optim;
  const std::vector<std::function<std::unique_ptr<Optimizer>()>> makers{
      [] { return std::make_unique<Adam>(AdamOptions(0.05).weight_decay(0.1)); },
      [] { return std::make_unique<SGD>(SGDOptions(0.05).momentum(0.9).nesterov(true)); },
      [] { return std::make_unique<Adagrad>(AdagradOptions(0.1).lr_decay(0.1)); },
      [] { return std::make_unique<RMSprop>(RMSpropOptions(0.01).momentum(0.5).centered(true)); },
      [] { return std::make_unique<ClippedAdam>(ClippedAdamOptions(0.05).lrd(0.9).clip_norm(1)); },
  };
  TempDir dir;
  for (const auto& make : makers) {
    auto original = make();
    CAPTURE(original->type_name());
    auto x = initial_param();
    trajectory(*original, x, 4);
    const auto path = dir / (std::string(original->type_name()) + ".pt");
    original->save(path);
    auto restored = make();
    restored->load(path);
    auto x_restored = x.detach().clone().requires_grad_(true);
    const auto expected = trajectory(*original, x, 4);
    const auto values = trajectory(*restored, x_restored, 4);
    for (size_t i = 0; i < values.size(); ++i) CHECK(torch::equal(values[i], expected[i]));
    CHECK(restored->lr("x") == original->lr("x"));
    const auto state = restored->get_state().at("x");
    CHECK(state.scalars.at("step") == 8);
    CHECK(state.tensors.size() == original->get_state().at("x").tensors.size());
  }
}

TEST_CASE("state errors name the file, the parameter and what mismatched") {
  TempDir dir;
  ppl::optim::Adam a(ppl::optim::AdamOptions(0.05));
  auto x = initial_param();
  trajectory(a, x, 3);
  const auto path = dir / "adam.pt";
  a.save(path);
  const auto bytes = ppl::read_file(path);

  SUBCASE("truncated, garbage, empty or missing files") {
    const auto truncated = dir / "truncated.pt";
    ppl::write_file_atomically(truncated,
                               std::vector<char>(bytes.begin(), bytes.begin() + bytes.size() / 2));
    const auto garbage = dir / "garbage.pt";
    std::vector<char> noise(bytes.size());
    for (size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 7919 + 13) % 251);
    ppl::write_file_atomically(garbage, noise);
    const auto empty = dir / "empty.pt";
    ppl::write_file_atomically(empty, {});
    const auto other = dir / "tensor.pt";  // a valid pickle, but not ours
    ppl::write_file_atomically(other, torch::pickle_save(torch::ones({3})));
    for (const auto& file : {truncated, garbage, empty, other, dir / "missing.pt"}) {
      CAPTURE(file);
      ppl::optim::Adam b;
      const std::string message = what_of([&] { b.load(file); });
      CHECK(contains(message, file));
      CHECK_FALSE(contains(message, "Exception raised from"));  // no C++ backtrace
      CHECK_THROWS_AS(b.load(file), std::runtime_error);
      CHECK(b.get_state().empty());
    }
  }

  SUBCASE("a file from another optimizer") {
    ppl::optim::SGD sgd(0.1);
    const std::string message = what_of([&] { sgd.load(path); });
    CHECK(contains(message, path));
    CHECK(contains(message, "saved by Adam"));
  }

  SUBCASE("a tensor shaped unlike the parameter: when the parameter is first seen") {
    ppl::optim::Adam b;
    b.load(path);
    auto longer = torch::zeros({7}, torch::kFloat64).requires_grad_(true);
    compute_grad(longer);
    const std::string message = what_of([&] { b.step({{"x", longer}}); });
    CHECK(contains(message, "optimizer state '" + path + "'"));
    CHECK(contains(message, "param 'x' has exp_avg of shape (2, 3) but the parameter has (7)"));
    CHECK(torch::equal(longer, torch::zeros({7}, torch::kFloat64)));
    CHECK_FALSE(b.contains("x"));
  }

  SUBCASE("a tensor shaped unlike the parameter: at load or set_state when already seen") {
    ppl::optim::Adam b;
    auto y = torch::zeros({4}, torch::kFloat64).requires_grad_(true);
    compute_grad(y);
    b.step({{"x", y}});
    const auto before = b.get_state();
    const std::string message = what_of([&] { b.load(path); });
    CHECK(contains(message, path));
    CHECK(contains(message, "param 'x' has exp_avg of shape (2, 3) but the parameter has (4)"));
    CHECK_THROWS_AS(b.set_state(a.get_state()), std::runtime_error);
    CHECK(torch::equal(b.get_state().at("x").tensors.at("exp_avg"),
                       before.at("x").tensors.at("exp_avg")));
  }

  SUBCASE("unknown or missing entries") {
    auto state = a.get_state();
    state.at("x").tensors.emplace("momentum_buffer", torch::zeros({2, 3}, torch::kFloat64));
    ppl::optim::Adam b;
    CHECK(contains(what_of([&] { b.set_state(state); }), "momentum_buffer"));
    state = a.get_state();
    state.at("x").tensors.erase("exp_avg_sq");
    CHECK_NOTHROW(b.set_state(state));  // x not seen yet: checked when it is
    compute_grad(x);
    CHECK(contains(what_of([&] { b.step({{"x", x}}); }), "param 'x' has no exp_avg_sq"));
    state = a.get_state();
    state.at("x").scalars.at("step") = -1;
    CHECK(contains(what_of([&] { b.set_state(state); }), "step"));
    state.at("x").scalars.at("step") = 1e300;  // an integer, but not one an int64_t holds
    CHECK(contains(what_of([&] { b.set_state(state); }),
                   "step 1e+300; expected a non-negative integer"));
  }

  SUBCASE("a parameter whose shape changed after it was seen") {
    auto y = torch::zeros({5}, torch::kFloat64).requires_grad_(true);
    compute_grad(y);
    const auto x_before = x.detach().clone();
    compute_grad(x);
    const std::string message = what_of([&] { a.step({{"x", x}, {"x2", x}, {"x", y}}); });
    CHECK(contains(message, "param 'x' has shape (5) but its optimizer state has (2, 3)"));
    CHECK(torch::equal(x, x_before));  // nothing was updated
  }
}

TEST_CASE("state follows the parameter's dtype and device") {
  ppl::optim::Adam a(ppl::optim::AdamOptions(0.05));
  auto x = initial_param();
  trajectory(a, x, 3);
  ppl::optim::Adam b(ppl::optim::AdamOptions(0.05));
  b.set_state(a.get_state());
  auto x32 = x.detach().to(torch::kFloat32).requires_grad_(true);
  trajectory(b, x32, 2);
  CHECK(b.get_state().at("x").tensors.at("exp_avg").dtype() == torch::kFloat32);

  if (!torch::cuda::is_available()) {
    MESSAGE("CUDA not available: the CUDA half of this test is skipped");
    return;
  }
  TempDir dir;
  const auto path = dir / "adam.pt";
  a.save(path);
  ppl::optim::Adam c(ppl::optim::AdamOptions(0.05));
  c.load(path);
  auto x_cuda = x.detach().to(torch::kCUDA).requires_grad_(true);
  auto x_cpu = x.detach().clone().requires_grad_(true);
  const auto on_cuda = trajectory(c, x_cuda, 5);
  const auto on_cpu = trajectory(a, x_cpu, 5);
  CHECK(c.get_state().at("x").tensors.at("exp_avg").device().is_cuda());
  for (size_t i = 0; i < on_cpu.size(); ++i) CHECK(close(on_cuda[i], on_cpu[i], 1e-10));
  c.save(path);  // CUDA state saves to a CPU file
  ppl::optim::Adam d;
  d.load(path);
  CHECK(d.get_state().at("x").tensors.at("exp_avg").device().is_cpu());
}

}  // namespace test_optim
