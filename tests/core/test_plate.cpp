// Plates: dim allocation, frames, broadcasting, nesting, sequential plates, subsampling, errors.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

namespace test_plate {

using ppl::dist::Normal;

namespace {
torch::Tensor scalar(double v) {
  return torch::tensor(v);
}
ppl::Trace trace_of(const std::function<void()>& fn) {
  return ppl::handlers::trace(fn).get_trace();
}
}  // namespace

TEST_CASE("a plate broadcasts a scalar distribution to its size and records its frame") {
  auto trace = trace_of([] {
    ppl::plate data("data", 5);
    CHECK(data.dim() == -1);
    ppl::sample("x", Normal(scalar(0), 1.0));
  });
  const auto& x = trace.at("x");
  CHECK(x.fn->batch_shape() == ppl::dist::Shape{5});
  CHECK(x.value.sizes() == torch::IntArrayRef({5}));
  REQUIRE(x.cond_indep_stack.size() == 1);
  CHECK(x.cond_indep_stack[0].name == "data");
  CHECK(x.cond_indep_stack[0].dim == -1);
  CHECK(x.cond_indep_stack[0].size == 5);
}

TEST_CASE("nested plates take dims -1 then -2 and broadcast to (outer, inner)") {
  auto trace = trace_of([] {
    ppl::plate outer("outer", 3);
    ppl::plate inner("inner", 4);
    CHECK(outer.dim() == -1);
    CHECK(inner.dim() == -2);
    ppl::sample("x", Normal(scalar(0), 1.0));
  });
  const auto& x = trace.at("x");
  CHECK(x.value.sizes() == torch::IntArrayRef({4, 3}));
  REQUIRE(x.cond_indep_stack.size() == 2);
  CHECK(x.cond_indep_stack[0].name == "outer");  // outermost first
  CHECK(x.cond_indep_stack[1].name == "inner");
}

TEST_CASE("explicit dims, event dims and existing batch dims broadcast as in Pyro") {
  auto trace = trace_of([] {
    ppl::plate rows("rows", 2, /*dim=*/-2);
    ppl::sample("a", Normal(torch::zeros({3}), 1.0));              // batch (3) -> (2, 3)
    ppl::sample("b", Normal(torch::zeros({1}), 1.0).to_event(1));  // event (1), batch () -> (2, 1)
  });
  CHECK(trace.at("a").fn->batch_shape() == ppl::dist::Shape{2, 3});
  CHECK(trace.at("b").fn->batch_shape() == ppl::dist::Shape{2, 1});
  CHECK(trace.at("b").fn->event_shape() == ppl::dist::Shape{1});
}

TEST_CASE("a batch size that disagrees with the plate is a clear error") {
  auto model = [] {
    ppl::plate data("data", 5);
    ppl::sample("x", Normal(torch::zeros({3}), 1.0));
  };
  CHECK_THROWS_WITH_AS(trace_of(model), doctest::Contains("plate('data') at site 'x'"),
                       std::invalid_argument);
  CHECK(ppl::handler_stack().empty());
}

TEST_CASE("sequential plates reuse their dims: same dim for plates one after the other") {
  trace_of([] {
    {
      ppl::plate a("a", 2);
      CHECK(a.dim() == -1);
    }
    ppl::plate b("b", 3);
    CHECK(b.dim() == -1);
  });
}

TEST_CASE("duplicate plate names and colliding dims are clear errors") {
  CHECK_THROWS_WITH_AS(trace_of([] {
                         ppl::plate a("same", 2);
                         ppl::plate b("same", 3);
                       }),
                       doctest::Contains("duplicate plate 'same'"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(trace_of([] {
                         ppl::plate a("a", 2, -1);
                         ppl::plate b("b", 3, -1);
                       }),
                       doctest::Contains("collide at dim=-1"), std::invalid_argument);
  CHECK_THROWS_AS(ppl::plate("bad", 2, 0), std::invalid_argument);
  CHECK(ppl::handler_stack().empty());
  // After the errors every dim is free again.
  ppl::plate fresh("fresh", 2);
  CHECK(fresh.dim() == -1);
}

TEST_CASE("plate_range iterates sequentially with a frame per iteration and no broadcasting") {
  std::vector<int64_t> seen;
  auto trace = trace_of([&] {
    for (int64_t i : ppl::plate_range("loop", 3)) {
      seen.push_back(i);
      ppl::sample("x" + std::to_string(i), Normal(scalar(0), 1.0));
    }
    CHECK(ppl::handler_stack().size() == 1);  // only the tracer is left
  });
  CHECK(seen == std::vector<int64_t>{0, 1, 2});
  for (int64_t i = 0; i < 3; ++i) {
    const auto& site = trace.at("x" + std::to_string(i));
    REQUIRE(site.cond_indep_stack.size() == 1);
    CHECK_FALSE(site.cond_indep_stack[0].vectorized());
    CHECK(site.cond_indep_stack[0].counter == i);
    CHECK(site.value.dim() == 0);
  }
}

TEST_CASE("a vectorized plate inside a sequential one") {
  auto trace = trace_of([] {
    for (int64_t i : ppl::plate_range("groups", 2)) {
      ppl::plate members("members", 4);
      ppl::sample("y" + std::to_string(i), Normal(scalar(0), 1.0));
    }
  });
  CHECK(trace.at("y1").value.sizes() == torch::IntArrayRef({4}));
  CHECK(trace.at("y1").cond_indep_stack.size() == 2);
}

TEST_CASE("subsampling draws distinct indices and scales log-probs by size / subsample_size") {
  auto trace = trace_of([] {
    ppl::plate data("data", 10, ppl::PlateOptions().subsample_size(4));
    auto indices = data.indices();
    CHECK(indices.sizes() == torch::IntArrayRef({4}));
    CHECK(std::get<0>(at::_unique(indices)).numel() == 4);
    CHECK(indices.max().item<int64_t>() < 10);
    ppl::sample("x", Normal(scalar(0), 1.0), torch::zeros({4}));
  });
  CHECK(trace.at("x").scale == doctest::Approx(2.5));
  CHECK(trace.contains("data"));  // the indices are a site, so replay reuses them
  auto log_prob = trace.log_prob_sum();
  CHECK(log_prob.item<double>() == doctest::Approx(2.5 * 4 * -0.5 * std::log(2 * M_PI)));
}

TEST_CASE("replaying a trace gives the model the guide's subsample") {
  auto with_plate = [] {
    ppl::plate data("data", 100, ppl::PlateOptions().subsample_size(5));
    return data.indices();
  };
  ppl::Trace guide_trace;
  torch::Tensor guide_indices;
  {
    ppl::handlers::TraceMessenger tracer;
    guide_indices = with_plate();
    guide_trace = tracer.trace();
  }
  auto model_indices = ppl::handlers::replay(with_plate, guide_trace)();
  CHECK(torch::equal(model_indices, guide_indices));
}

}  // namespace test_plate
