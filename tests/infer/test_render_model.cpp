// render_model: nodes, observed flags, plates (nested, subsampled), direct dependencies found by
// intervention (continuous, discrete, through deterministic sites and params), the DOT text,
// writing .dot and rendered files, the user's state left alone, and errors.
#include <doctest/doctest.h>
#include <ppl/ppl.h>
#include "models/gaussian_mixture.h"
#include "models/hidden_markov.h"
#include "models/vae.h"
#include "tests/support.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace test_render_model {

using ppl::dist::Categorical;
using ppl::dist::LogNormal;
using ppl::dist::Normal;
using ppl::infer::NodeKind;
using ppl::infer::render_model;
using ppl::infer::RenderOptions;
using ppl::testing::contains;
using ppl::testing::TempDir;

namespace {

/// Pyro's get_model_relations example: m ~ N(0, 1); sd ~ LogNormal(m, 1); obs_i ~ N(m, sd).
void scale_model(const torch::Tensor& data) {
  auto m = ppl::sample("m", Normal(torch::zeros({}), 1.0));
  auto sd = ppl::sample("sd", LogNormal(m, 1.0));
  ppl::plate n("N", data.size(0));
  ppl::sample("obs", Normal(m, sd), data);
}

/// x_0 ~ Cat(init); x_t ~ Cat(transition[x_{t-1}]); y_t ~ N(locs[x_t], 1) observed.
void hmm(const torch::Tensor& ys) {
  const auto init = torch::tensor({0.5, 0.3, 0.2});
  const auto transition = torch::tensor({0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.3, 0.6}).view({3, 3});
  const auto locs = torch::tensor({-2.0, 0.0, 2.0});
  torch::Tensor x;
  for (int64_t t = 0; t < ys.size(0); ++t) {
    const auto probs = t == 0 ? init : transition.index({x});
    x = ppl::sample("x_" + std::to_string(t), Categorical(probs));
    ppl::sample("y_" + std::to_string(t), Normal(locs.index({x}), 1.0), ys[t]);
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// PATH set to `value` for the scope.
struct PathScope {
  explicit PathScope(const std::string& value) : previous(std::getenv("PATH")) {
    ::setenv("PATH", value.c_str(), 1);
  }
  ~PathScope() { ::setenv("PATH", previous.c_str(), 1); }
  std::string previous;
};

}  // namespace

TEST_CASE("render_model: nodes, observed sites, plates and direct dependencies") {
  const auto graph = render_model(scale_model, torch::tensor({0.5, 1.5, -0.2}));
  REQUIRE(graph.nodes.size() == 3);
  CHECK(graph.nodes[0].name == "m");
  CHECK(graph.nodes[1].name == "sd");
  CHECK(graph.nodes[2].name == "obs");
  CHECK_FALSE(graph.node("m")->is_observed);
  CHECK(graph.node("obs")->is_observed);
  CHECK(graph.node("obs")->kind == NodeKind::sample);
  CHECK(graph.node("obs")->plates == std::vector<std::string>{"N"});
  CHECK(graph.node("sd")->plates.empty());
  REQUIRE(graph.plates.size() == 1);
  CHECK(graph.plates[0].name == "N");
  CHECK(graph.plates[0].size == 3);
  CHECK(graph.plates[0].enclosing.empty());
  CHECK(graph.edges.size() == 3);
  CHECK(graph.has_edge("m", "sd"));
  CHECK(graph.has_edge("m", "obs"));
  CHECK(graph.has_edge("sd", "obs"));
}

TEST_CASE("render_model: independent sites have no edge; edges are direct parents") {
  auto model = [] {
    auto a = ppl::sample("a", Normal(torch::zeros({}), 1.0));
    auto b = ppl::sample("b", Normal(torch::zeros({}), 1.0));
    auto c = ppl::sample("c", Normal(a, 1.0));
    ppl::sample("d", Normal(c * b, 1.0));
  };
  const auto graph = render_model(model);
  CHECK_FALSE(graph.has_edge("a", "b"));
  CHECK(graph.has_edge("a", "c"));
  CHECK_FALSE(graph.has_edge("b", "c"));
  CHECK(graph.has_edge("b", "d"));
  CHECK(graph.has_edge("c", "d"));
  CHECK_FALSE(graph.has_edge("a", "d"));  // only through c
  CHECK(graph.edges.size() == 3);
}

TEST_CASE("render_model: an HMM's integer dependencies, x_t -> x_t+1 and x_t -> y_t") {
  const auto graph = render_model(hmm, torch::tensor({-1.5, 0.3, 2.2}));
  CHECK(graph.nodes.size() == 6);
  CHECK(graph.has_edge("x_0", "x_1"));
  CHECK(graph.has_edge("x_1", "x_2"));
  for (const char* t : {"0", "1", "2"})
    CHECK(graph.has_edge(std::string("x_") + t, std::string("y_") + t));
  CHECK_FALSE(graph.has_edge("x_0", "x_2"));
  CHECK_FALSE(graph.has_edge("x_0", "y_1"));
  CHECK(graph.edges.size() == 5);
  CHECK(graph.node("y_2")->is_observed);
  CHECK_FALSE(graph.node("x_2")->is_observed);
}

TEST_CASE("render_model: nested plates, and a subsampled plate's size") {
  auto model = [] {
    ppl::plate outer("outer", 3);
    auto u = ppl::sample("u", Normal(torch::zeros({}), 1.0));
    ppl::plate inner("inner", 4, -2);
    ppl::sample("v", Normal(u, 1.0));
  };
  const auto graph = render_model(model);
  CHECK(graph.node("u")->plates == std::vector<std::string>{"outer"});
  CHECK(graph.node("v")->plates == std::vector<std::string>{"outer", "inner"});
  REQUIRE(graph.plates.size() == 2);
  CHECK(graph.plates[1].name == "inner");
  CHECK(graph.plates[1].size == 4);
  CHECK(graph.plates[1].enclosing == std::vector<std::string>{"outer"});
  CHECK(graph.has_edge("u", "v"));
  const auto dot = graph.to_dot();
  const auto outer_at = dot.find("subgraph \"cluster_outer\"");
  const auto inner_at = dot.find("subgraph \"cluster_outer_inner\"");
  REQUIRE(outer_at != std::string::npos);
  REQUIRE(inner_at != std::string::npos);
  CHECK(outer_at < inner_at);
  CHECK(contains(dot, "label=\"inner (4)\""));

  auto subsampled = [] {
    ppl::plate data("data", 10, ppl::PlateOptions().subsample_size(3));
    ppl::sample("z", Normal(torch::zeros({}), 1.0));
  };
  const auto sub = render_model(subsampled);
  CHECK(sub.nodes.size() == 1);  // the indices' site is not drawn
  CHECK(contains(sub.to_dot(), "label=\"data (3 of 10)\""));
}

TEST_CASE("render_model: the DOT text shades observed sites and labels distributions") {
  const auto graph = render_model(scale_model, RenderOptions().render_distributions(true),
                                  torch::tensor({0.5, 1.5}));
  CHECK(graph.node("sd")->distribution == "LogNormal");
  CHECK(graph.node("sd")->label == "sd ~ LogNormal");
  const auto dot = graph.to_dot();
  CHECK(contains(dot, "digraph {"));
  CHECK(contains(dot, "subgraph \"cluster_N\""));
  CHECK(contains(dot, "label=\"N (2)\" labeljust=r labelloc=b"));
  CHECK(
      contains(dot, "\"obs\" [label=\"obs ~ Normal\" shape=ellipse style=filled fillcolor=gray]"));
  CHECK(contains(dot, "\"m\" [label=\"m ~ Normal\" shape=ellipse style=filled fillcolor=white]"));
  CHECK(contains(dot, "\"m\" -> \"sd\""));

  auto vectorized = [] {
    ppl::sample("z", Normal(torch::zeros({4}), torch::ones({4})).to_event(1));
  };
  CHECK(render_model(vectorized, RenderOptions().render_distributions(true)).node("z")->label ==
        "z ~ Normal");
}

TEST_CASE("render_model: deterministic sites, drawn or passed through") {
  auto model = [] {
    auto a = ppl::sample("a", Normal(torch::zeros({}), 1.0));
    auto d = ppl::deterministic("d", 2 * a);
    ppl::sample("b", Normal(d, 1.0));
  };
  const auto hidden = render_model(model);
  CHECK(hidden.node("d") == nullptr);
  CHECK(hidden.has_edge("a", "b"));

  const auto drawn = render_model(model, RenderOptions().render_deterministic(true));
  REQUIRE(drawn.node("d") != nullptr);
  CHECK(drawn.node("d")->kind == NodeKind::deterministic);
  CHECK_FALSE(drawn.node("d")->is_observed);
  CHECK(drawn.has_edge("a", "d"));
  CHECK(drawn.has_edge("d", "b"));
  CHECK_FALSE(drawn.has_edge("a", "b"));
  CHECK(contains(drawn.to_dot(), "style=\"filled,dashed\""));
}

TEST_CASE("render_model: params, without touching the param store or the random stream") {
  ppl::param_store().clear();
  const auto ys = torch::tensor({-1.0, 0.5, 2.0, 1.8});
  auto model = [](const torch::Tensor& y) { ppl::models::hidden_markov_model(y, 3); };
  torch::manual_seed(7);
  const auto graph =
      render_model(model, RenderOptions().render_params(true).render_distributions(true), ys);
  const auto after = torch::rand({3});
  torch::manual_seed(7);
  CHECK(torch::equal(after, torch::rand({3})));
  CHECK(ppl::param_store().size() == 0);

  CHECK(graph.node("init")->kind == NodeKind::param);
  CHECK(graph.node("scale")->label == "scale : positive");
  CHECK(graph.has_edge("init", "x_0"));
  CHECK_FALSE(graph.has_edge("init", "x_1"));
  CHECK(graph.has_edge("transition", "x_1"));
  CHECK(graph.has_edge("locs", "y_3"));
  CHECK(graph.has_edge("scale", "y_0"));
  CHECK(graph.has_edge("x_2", "x_3"));
  CHECK(graph.has_edge("x_2", "y_2"));
  CHECK(contains(graph.to_dot(), "\"init\" [label=\"init : simplex\" shape=plain]"));

  auto unused = [] {
    ppl::param("unused", torch::ones({}));
    ppl::sample("z", Normal(torch::zeros({}), 1.0));
  };
  CHECK(render_model(unused, RenderOptions().render_params(true)).node("unused") == nullptr);
  CHECK(render_model(model, ys).node("init") == nullptr);
}

TEST_CASE("render_model: the example models (GMM, VAE) and seeded runs") {
  const auto data = torch::tensor({0.0, 1.0, 10.0, 11.0, 12.0});
  auto gmm = [](const torch::Tensor& x) { ppl::models::gaussian_mixture_model(x, 2); };
  const auto graph = render_model(gmm, data);
  CHECK(graph.node("locs")->plates == std::vector<std::string>{"components"});
  CHECK(graph.node("assignment")->plates == std::vector<std::string>{"data"});
  CHECK(graph.has_edge("weights", "assignment"));
  CHECK(graph.has_edge("assignment", "obs"));
  CHECK(graph.has_edge("locs", "obs"));
  CHECK(graph.has_edge("scale", "obs"));
  CHECK_FALSE(graph.has_edge("weights", "obs"));
  CHECK(graph.edges.size() == 4);
  CHECK(render_model(gmm, data).to_dot() == graph.to_dot());

  ppl::param_store().clear();
  ppl::models::VAE vae(ppl::models::VAEOptions().z_dim(2).hidden_dims({8}));
  auto model = [&](const torch::Tensor& x) { vae->model(x); };
  const auto vae_graph = render_model(model, torch::zeros({4, 784}));
  REQUIRE(vae_graph.nodes.size() == 2);
  CHECK(vae_graph.node("latent")->plates == std::vector<std::string>{"data"});
  CHECK(vae_graph.node("obs")->is_observed);
  CHECK(vae_graph.has_edge("latent", "obs"));
  CHECK(vae_graph.edges.size() == 1);
  // The decoder reads its own parameters, not the param sites: no edges, as in Pyro.
  CHECK(render_model(model, RenderOptions().render_params(true), torch::zeros({4, 784}))
            .nodes.size() == 2);
  CHECK(ppl::param_store().size() == 0);
}

TEST_CASE("render_model: writes the .dot file, and renders PNG when dot is on PATH") {
  TempDir dir;
  const auto data = torch::tensor({0.5, 1.5});
  const auto graph = render_model(scale_model, RenderOptions().filename(dir / "model.dot"), data);
  CHECK(read_text(dir / "model.dot") == graph.to_dot());

  const std::string message = ppl::infer::write_model_graph(graph, dir / "picture.png");
  if (!message.empty()) {
    MESSAGE("Graphviz's dot is not on PATH; PNG rendering not checked: " << message);
    return;
  }
  CHECK(read_text(dir / "picture.png").substr(0, 8) == "\x89PNG\r\n\x1a\n");
  CHECK_FALSE(std::filesystem::exists(dir / "picture.dot"));
  render_model(scale_model, RenderOptions().filename(dir / "picture.svg"), data);
  CHECK(contains(read_text(dir / "picture.svg"), "<svg"));
}

TEST_CASE(
    "render_model: without dot on PATH the .dot file is kept with instructions; dot failing") {
  TempDir dir;
  const auto graph = render_model(scale_model, torch::tensor({0.5}));
  std::string message;
  {
    PathScope no_programs(dir.path.string());
    message = ppl::infer::write_model_graph(graph, dir / "model.png");
  }
  CHECK(contains(message, "dot -Tpng " + (dir / "model.dot") + " -o " + (dir / "model.png")));
  CHECK(contains(message, "apt-get install graphviz"));
  CHECK(read_text(dir / "model.dot") == graph.to_dot());
  CHECK_FALSE(std::filesystem::exists(dir / "model.png"));

  {
    std::ofstream(dir / "dot") << "#!/bin/sh\nexit 3\n";
    std::filesystem::permissions(dir / "dot", std::filesystem::perms::owner_all);
    PathScope failing_dot(dir.path.string());
    const auto what =
        ppl::testing::what_of([&] { ppl::infer::write_model_graph(graph, dir / "model.svg"); });
    CHECK(contains(what, "dot failed (exit status 3) rendering '" + (dir / "model.dot") + "' to '" +
                             (dir / "model.svg") + "'"));
  }
}

TEST_CASE("render_model: errors name the file; the model's errors pass unchanged") {
  const auto graph = render_model(scale_model, torch::tensor({0.5}));
  const std::string unwritable = "/nonexistent_directory_for_ppl/model.png";
  const auto what =
      ppl::testing::what_of([&] { ppl::infer::write_model_graph(graph, unwritable); });
  CHECK(contains(what, unwritable));
  CHECK_THROWS_AS(ppl::infer::write_model_graph(graph, "model.jpg"), std::invalid_argument);
  CHECK(contains(
      ppl::testing::invalid_argument_of([&] { ppl::infer::write_model_graph(graph, "model.jpg"); }),
      "expected the extension .png, .svg, .pdf or .dot, found '.jpg'"));

  auto failing = [] {
    ppl::sample("a", Normal(torch::zeros({}), 1.0));
    throw std::domain_error("model failed");
  };
  try {
    render_model(failing);
    FAIL("nothing thrown");
  } catch (const std::domain_error& error) {
    CHECK(std::string(error.what()) == "model failed");
  }
  CHECK(ppl::handler_stack().empty());
}

}  // namespace test_render_model
