// DistributedSampler: each rank's part of every global batch (part of ppl::ppl, no process
// group needed).
#include <doctest/doctest.h>
#include <ppl/distributed/sampler.h>

#include "tests/support.h"

#include <vector>

namespace test_sampler {

using ppl::distributed::DistributedSampler;
using ppl::testing::contains;
using ppl::testing::what_of;

TEST_CASE("DistributedSampler splits each global batch of one permutation") {
  const DistributedSampler whole(10, 4, 0, 1, true, 7);
  CHECK(whole.num_batches() == 3);
  for (int64_t world_size : {2, 3}) {
    std::vector<DistributedSampler> ranks;
    for (int64_t r = 0; r < world_size; ++r) ranks.emplace_back(10, 4, r, world_size, true, 7);
    for (int64_t epoch : {0, 5}) {
      DistributedSampler reference = whole;
      reference.start_epoch(epoch);
      for (auto& sampler : ranks) sampler.start_epoch(epoch);
      for (int64_t i = 0; i < whole.num_batches(); ++i) {
        std::vector<torch::Tensor> parts;
        for (const auto& sampler : ranks) parts.push_back(sampler.indices(i));
        CHECK(torch::equal(torch::cat(parts), reference.global_indices(i)));
        CHECK(torch::equal(reference.indices(i), reference.global_indices(i)));
        CHECK(parts.front().size(0) - parts.back().size(0) <= 1);
      }
    }
  }
  DistributedSampler other_epoch = whole;
  other_epoch.start_epoch(1);
  CHECK_FALSE(torch::equal(other_epoch.global_indices(0), whole.global_indices(0)));
  CHECK(contains(what_of([] { DistributedSampler(10, 4, 2, 2); }), "rank 2"));
}

}  // namespace test_sampler
