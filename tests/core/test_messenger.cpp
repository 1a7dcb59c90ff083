// The handler stack and apply_stack (ppl/core/messenger.h): order, stop, defaults, installing,
// exception safety, threads.
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include <string>
#include <thread>
#include <vector>

namespace test_messenger {

namespace {

/// Logs each hook call as "process <tag>" / "post <tag>"; optionally stops messages.
struct Recorder : ppl::Messenger {
  Recorder(std::string tag, std::vector<std::string>& log, bool stop = false)
      : tag(std::move(tag)), log(log), stop(stop) {}
  void process_message(ppl::Message& msg) override {
    log.push_back("process " + tag);
    if (stop) msg.stop = true;
  }
  void postprocess_message(ppl::Message&) override { log.push_back("post " + tag); }
  std::string tag;
  std::vector<std::string>& log;
  bool stop;
};

ppl::dist::Normal standard_normal() {
  return ppl::dist::Normal(torch::zeros({}), torch::ones({}));
}

}  // namespace

TEST_CASE("process runs innermost first, postprocess outermost visited first") {
  std::vector<std::string> log;
  {
    Recorder outer("outer", log);
    Recorder middle("middle", log);
    Recorder inner("inner", log);
    CHECK(ppl::handler_stack().size() == 3);
    ppl::sample("x", standard_normal());
  }
  CHECK(log == std::vector<std::string>{"process inner", "process middle", "process outer",
                                        "post outer", "post middle", "post inner"});
  CHECK(ppl::handler_stack().empty());
}

TEST_CASE("stop hides the message from outer handlers, which are not postprocessed either") {
  std::vector<std::string> log;
  {
    Recorder outer("outer", log);
    Recorder stopper("stopper", log, /*stop=*/true);
    Recorder inner("inner", log);
    auto value = ppl::sample("x", standard_normal());
    CHECK(value.defined());  // the default draw still happens
  }
  CHECK(log ==
        std::vector<std::string>{"process inner", "process stopper", "post stopper", "post inner"});
}

TEST_CASE("the default draw is rsample (differentiable) when the distribution has one") {
  ppl::handlers::TraceMessenger tracer;
  auto loc = torch::zeros({3}, torch::requires_grad());
  auto z = ppl::sample("z", ppl::dist::Normal(loc, 1.0));
  CHECK(z.requires_grad());
  auto b = ppl::sample("b", ppl::dist::Bernoulli(torch::full({3}, 0.5, torch::requires_grad())));
  CHECK_FALSE(b.requires_grad());
  CHECK(tracer.trace().at("z").done);
}

TEST_CASE("a value set by a handler is kept: no default draw") {
  struct Fixer : ppl::Messenger {
    Fixer() {}
    void process_message(ppl::Message& msg) override { msg.value = torch::tensor(7.0); }
  };
  Fixer fixer;
  CHECK(ppl::sample("x", standard_normal()).item<double>() == 7.0);
}

TEST_CASE("installing the same handler twice is an error; exit then enter works") {
  std::vector<std::string> log;
  Recorder recorder("r", log);
  CHECK_THROWS_AS(recorder.enter(), std::logic_error);
  CHECK(ppl::handler_stack().size() == 1);
  recorder.exit();
  CHECK(ppl::handler_stack().empty());
  recorder.enter();
  CHECK(ppl::handler_stack().size() == 1);
}

TEST_CASE("an exception inside a model leaves the stack and plate dims clean") {
  auto failing_model = [] {
    ppl::plate outer("outer", 3);
    ppl::sample("a", ppl::dist::Normal(torch::zeros({3}), 1.0));
    throw std::runtime_error("model failed");
  };
  CHECK_THROWS_WITH_AS(ppl::handlers::trace(failing_model).get_trace(),
                       doctest::Contains("after sample site 'a': model failed"),
                       std::runtime_error);
  CHECK(ppl::handler_stack().empty());
  // The next run works and the plate gets dim -1 again (its dim was freed).
  auto model = [] {
    ppl::plate outer("outer", 3);
    ppl::sample("a", ppl::dist::Normal(torch::zeros({3}), 1.0));
  };
  auto trace = ppl::handlers::trace(model).get_trace();
  CHECK(trace.at("a").cond_indep_stack.at(0).dim == -1);
  CHECK(ppl::handler_stack().empty());
}

TEST_CASE("two threads tracing different models see only their own sites") {
  auto run = [](const std::string& prefix, std::vector<std::string>& names) {
    for (int round = 0; round < 50; ++round) {
      auto model = [&] {
        for (int i = 0; i < 5; ++i)
          ppl::sample(prefix + std::to_string(i), ppl::dist::Normal(torch::zeros({}), 1.0));
      };
      auto trace = ppl::handlers::trace(model).get_trace();
      for (const auto& site : trace.sites()) names.push_back(site.name);
    }
  };
  std::vector<std::string> names_a, names_b;
  std::thread a(run, "a", std::ref(names_a));
  std::thread b(run, "b", std::ref(names_b));
  a.join();
  b.join();
  REQUIRE(names_a.size() == 250);
  REQUIRE(names_b.size() == 250);
  for (const auto& name : names_a) CHECK(name[0] == 'a');
  for (const auto& name : names_b) CHECK(name[0] == 'b');
}

}  // namespace test_messenger
