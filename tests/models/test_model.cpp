// A small model written only against the public header, run through the handlers end to end.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

namespace test_model {

namespace {

constexpr int64_t N = 3;

/// For each of N data points: z1 ~ N(0, 1), z2 ~ N(z1, 2), x ~ N(z1 + z2, 0.5).
void model(const torch::Tensor& x) {
  ppl::plate data("data", x.size(0));
  auto zeros = torch::zeros({}, x.options());
  auto z1 = ppl::sample("z1", ppl::dist::Normal(zeros, 1.0));
  auto z2 = ppl::sample("z2", ppl::dist::Normal(z1, 2.0));
  ppl::sample("x", ppl::dist::Normal(z1 + z2, 0.5), x);
}

/// Independent normals around fixed offsets of the data.
void guide(const torch::Tensor& x) {
  ppl::plate data("data", x.size(0));
  ppl::sample("z1", ppl::dist::Normal(x * 0.5, 1.0));
  ppl::sample("z2", ppl::dist::Normal(x * 0.25, 1.0));
}

double normal_lp(double v, double loc, double scale) {
  return -0.5 * std::pow((v - loc) / scale, 2) - std::log(scale) - 0.5 * std::log(2 * M_PI);
}

}  // namespace

TEST_CASE("model and guide: trace, replay, condition, log_prob_sum by hand") {
  auto x = torch::tensor({0.3, -1.2, 2.0}, torch::kDouble);
  auto guide_trace = ppl::handlers::trace(ppl::handlers::seed(guide, 0)).get_trace(x);
  REQUIRE(guide_trace.at("z1").value.sizes() == torch::IntArrayRef({N}));

  auto model_trace = ppl::handlers::trace(ppl::handlers::replay(model, guide_trace)).get_trace(x);
  auto z1 = guide_trace.at("z1").value;
  auto z2 = guide_trace.at("z2").value;
  CHECK(torch::equal(model_trace.at("z1").value, z1));
  CHECK(torch::equal(model_trace.at("z2").value, z2));
  CHECK(model_trace.at("x").is_observed);

  double model_expected = 0, guide_expected = 0;
  for (int64_t i = 0; i < N; ++i) {
    const double a = z1[i].item<double>(), b = z2[i].item<double>(), xi = x[i].item<double>();
    model_expected += normal_lp(a, 0, 1) + normal_lp(b, a, 2) + normal_lp(xi, a + b, 0.5);
    guide_expected += normal_lp(a, 0.5 * xi, 1) + normal_lp(b, 0.25 * xi, 1);
  }
  CHECK(model_trace.log_prob_sum().item<double>() ==
        doctest::Approx(model_expected).epsilon(1e-12));
  CHECK(guide_trace.log_prob_sum().item<double>() ==
        doctest::Approx(guide_expected).epsilon(1e-12));

  // Conditioning z1 on an observation turns it into an observed site with that value.
  auto z1_obs = torch::tensor({1.0, 0.0, -1.0}, torch::kDouble);
  auto conditioned = ppl::handlers::condition(model, {{"z1", z1_obs}});
  auto cond_trace =
      ppl::handlers::trace(ppl::handlers::replay(conditioned, guide_trace)).get_trace(x);
  CHECK(cond_trace.at("z1").is_observed);
  CHECK(torch::equal(cond_trace.at("z1").value, z1_obs));
  CHECK(torch::equal(cond_trace.at("z2").value, z2));  // still replayed
  double cond_expected = 0;
  for (int64_t i = 0; i < N; ++i) {
    const double a = z1_obs[i].item<double>(), b = z2[i].item<double>(), xi = x[i].item<double>();
    cond_expected += normal_lp(a, 0, 1) + normal_lp(b, a, 2) + normal_lp(xi, a + b, 0.5);
  }
  CHECK(cond_trace.log_prob_sum().item<double>() == doctest::Approx(cond_expected).epsilon(1e-12));
}

}  // namespace test_model
