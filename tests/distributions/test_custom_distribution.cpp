// The "write your own distribution" example of docs/distributions.md, compiled and exercised:
// a user-defined distribution plugs into validation, expand, sample sites and
// TraceMeanField_ELBO's Monte Carlo fallback with nothing but its formula.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include "tests/support.h"

#include <cmath>

namespace test_custom_distribution {

// --- the example, as in docs/distributions.md ---------------------------------------------
namespace my {

using namespace ppl::dist;

/// Rayleigh(scale): density x / scale^2 exp(-x^2 / (2 scale^2)) on x > 0.
class Rayleigh : public DistributionBase<Rayleigh> {
 public:
  explicit Rayleigh(TensorOrNumber scale, std::optional<bool> validate_args = std::nullopt)
      : DistributionBase(validate_args) {
    std::tie(scale_) = broadcast_all("Rayleigh", scale);
    init(scale_.sizes());  // batch shape = scale's, then argument validation
  }
  std::string name() const override { return "Rayleigh"; }
  const torch::Tensor& scale() const { return scale_; }
  ppl::constraints::ConstraintPtr support() const override { return ppl::constraints::positive; }

  bool has_rsample() const override { return true; }
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override {
    const auto u = at::rand(extended_shape(sample_shape), generator, scale_.options());
    return scale_ * (-2 * (1 - u).log()).sqrt();  // the inverse cdf at u
  }
  torch::Tensor log_prob(const torch::Tensor& x) const override {
    validate_sample(x);
    return x.log() - 2 * scale_.log() - x.square() / (2 * scale_.square());
  }
  torch::Tensor mean() const override { return scale_ * std::sqrt(M_PI / 2); }
  torch::Tensor variance() const override { return (2 - M_PI / 2) * scale_.square(); }

 protected:
  std::vector<Arg> args() const override {
    return {{"scale", &scale_, ppl::constraints::positive}};
  }

 private:
  torch::Tensor scale_;
};

}  // namespace my
// --- end of the example ----------------------------------------------------------------------

using ppl::testing::what_of;

TEST_CASE("a user-defined distribution gets validation, expand and moments from its declaration") {
  const my::Rayleigh rayleigh(torch::tensor({1.0, 2.0}, torch::kDouble));
  const auto x = torch::tensor({0.5, 3.0}, torch::kDouble);
  const auto expected = torch::tensor(
      {std::log(0.5) - 0.125, std::log(3.0) - 2 * std::log(2.0) - 9.0 / 8}, torch::kDouble);
  CHECK(torch::allclose(rayleigh.log_prob(x), expected, 1e-12, 1e-12));

  CHECK(what_of([] { my::Rayleigh(-1.0); }) ==
        "Rayleigh: argument 'scale' must be positive, found -1");
  CHECK(what_of([&] {
          rayleigh.log_prob(torch::tensor({1.0, -2.0}, torch::kDouble));
        }) == "Rayleigh: value out of support positive: found -2 (at index 1)");
  CHECK(rayleigh.arg_constraints().at(0).first == "scale");

  const auto expanded = rayleigh.expand({3, 2});
  CHECK(expanded->batch_shape() == ppl::dist::Shape{3, 2});
  CHECK(expanded->sample({4}).sizes() == torch::IntArrayRef{4, 3, 2});

  auto generator = at::detail::createCPUGenerator(0);
  const auto draws = rayleigh.sample({100000}, generator);
  const auto standard_error = (rayleigh.variance() / 100000).sqrt();
  CHECK(((draws.mean(0) - rayleigh.mean()).abs() <= 4 * standard_error).all().item<bool>());
}

TEST_CASE("a user-defined distribution works at sample sites and in TraceMeanField_ELBO") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  ppl::handlers::SeedMessenger seed(0);
  // scale ~ Rayleigh(1) a priori; 200 draws of N(0, scale) with true scale 2. No KL is registered
  // for (Rayleigh, Rayleigh), so TraceMeanField_ELBO falls back to the Monte Carlo term.
  const auto data = 2.0 * torch::randn({200}, torch::kDouble);
  auto model = [](const torch::Tensor& x) {
    auto scale = ppl::sample("scale", my::Rayleigh(torch::ones({}, x.options())));
    ppl::plate plate("data", x.size(0));
    ppl::sample("x", ppl::dist::Normal(0.0, scale), x);
  };
  auto guide = [](const torch::Tensor& x) {
    auto s = ppl::param("s", torch::ones({}, x.options()), ppl::constraints::positive);
    ppl::sample("scale", my::Rayleigh(s));
  };
  // With no analytic KL the mean-field ELBO is exactly the Monte Carlo Trace_ELBO.
  const auto loss_of = [&](ppl::infer::ELBO&& elbo) {
    ppl::handlers::SeedMessenger same_draws(1);
    return elbo.loss(model, guide, data);
  };
  CHECK(loss_of(ppl::infer::TraceMeanField_ELBO()) ==
        doctest::Approx(loss_of(ppl::infer::Trace_ELBO())).epsilon(1e-12));

  // Gradients flow through its rsample: the guide's scale parameter moves up from 1 (the data's
  // spread is 2).
  ppl::infer::SVI svi(model, guide, ppl::optim::Adam(0.02), ppl::infer::TraceMeanField_ELBO());
  for (int step = 0; step < 300; ++step) svi.step(data);
  MESSAGE("guide s after 300 steps: " << store.get("s").item<double>());
  CHECK(store.get("s").item<double>() > 1.3);
}

}  // namespace test_custom_distribution
