// The Gaussian mixture of Pyro's tutorial: the MAP fit of models/gaussian_mixture finds the
// tutorial's solution.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include "models/gaussian_mixture.h"

namespace test_gaussian_mixture {

TEST_CASE("the mixture tutorial's MAP fit finds Pyro's solution") {
  ppl::set_num_threads(1);
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  const auto data = torch::tensor({0.0, 1.0, 10.0, 11.0, 12.0});
  const auto fit = ppl::models::fit_gaussian_mixture(data, 2);  // 100 inits, 200 steps
  // Components in order of their locs, as the tutorial prints them.
  const auto order = fit.locs.argsort();
  const auto weights = fit.weights.index({order}), locs = fit.locs.index({order});
  MESSAGE("weights " << weights << "locs " << locs << "scale " << fit.scale.item<float>());
  // Pyro's tutorial prints weights [0.375, 0.625], locs [0.49887, 10.98446], scale 0.65145.
  auto within_one_percent = [](const torch::Tensor& value, double target) {
    return std::abs(value.item<double>() - target) <= 0.01 * std::abs(target);
  };
  CHECK(within_one_percent(weights[0], 0.375));
  CHECK(within_one_percent(weights[1], 0.625));
  CHECK(within_one_percent(locs[0], 0.49887));
  CHECK(within_one_percent(locs[1], 10.98446));
  CHECK(within_one_percent(fit.scale, 0.65145));
}

}  // namespace test_gaussian_mixture
