// The param store: constraints, lazy init, scopes, modules, save and load (also across processes).
#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace test_param_store {

namespace c = ppl::constraints;

namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid())))
      .string();
}

/// The parameters both processes agree on.
void fill_known_params(ppl::ParamStore& store) {
  store.set("loc", torch::arange(6, torch::kDouble).reshape({2, 3}) - 2.5);
  store.set("scale", torch::tensor({0.5, 2.0}, torch::kDouble), c::positive);
  store.set("probs", torch::tensor({0.2, 0.3, 0.5}, torch::kDouble), c::simplex);
  store.set("bounded", torch::tensor(0.25, torch::kDouble), c::interval(-1, 1));
  store.set("net$$$fc.weight", torch::ones({2, 2}));
}

void check_known_params(const ppl::ParamStore& store) {
  ppl::ParamStore expected;
  fill_known_params(expected);
  CHECK(store.names() == expected.names());
  for (const auto& name : expected.names()) {
    CAPTURE(name);
    CHECK(store.constraint(name)->to_string() == expected.constraint(name)->to_string());
    CHECK(torch::equal(store.unconstrained(name), expected.unconstrained(name)));
    CHECK(torch::allclose(store.get(name), expected.get(name)));
  }
}

}  // namespace

TEST_CASE("constrained params are stored unconstrained and returned constrained") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  auto scale = ppl::param("scale", torch::tensor({0.5, 2.0}, torch::kDouble), c::positive);
  CHECK(torch::allclose(scale, torch::tensor({0.5, 2.0}, torch::kDouble)));
  CHECK(torch::allclose(store.unconstrained("scale"),
                        torch::tensor({std::log(0.5), std::log(2.0)}, torch::kDouble)));
  CHECK(store.unconstrained("scale").requires_grad());
  auto p = ppl::param("p", torch::tensor(0.9, torch::kDouble), c::unit_interval);
  CHECK(p.item<double>() == doctest::Approx(0.9));
  auto g = ppl::param("g", torch::tensor(5.0, torch::kDouble), c::greater_than(3.0));
  CHECK(g.item<double>() == doctest::Approx(5.0));
  auto s = ppl::param("s", torch::tensor({0.2, 0.8}, torch::kDouble), c::simplex);
  CHECK(torch::allclose(s, torch::tensor({0.2, 0.8}, torch::kDouble)));
  // Gradients flow from the constrained value to the unconstrained leaf.
  scale.sum().backward();
  CHECK(torch::allclose(store.unconstrained("scale").grad(),
                        torch::tensor({0.5, 2.0}, torch::kDouble)));
}

TEST_CASE("get, set, erase, clear and named parameters") {
  ppl::ParamStore store;
  store.set("a", torch::ones({2}));
  store.set("b", torch::full({1}, 2.0), c::positive);
  CHECK(store.size() == 2);
  CHECK(store.names() == std::vector<std::string>{"a", "b"});
  CHECK(store.named_parameters()[1].first == "b");
  CHECK(store.get("b").item<double>() == doctest::Approx(2.0));
  store.set("a", torch::zeros({3}));
  CHECK(store.get("a").sizes() == torch::IntArrayRef({3}));
  store.erase("a");
  CHECK_FALSE(store.contains("a"));
  CHECK(store.names() == std::vector<std::string>{"b"});
  CHECK_THROWS_WITH_AS(store.get("a"), doctest::Contains("'a'"), std::out_of_range);
  store.clear();
  CHECK(store.size() == 0);
}

TEST_CASE("param store scopes keep independent models apart and nest") {
  ppl::ParamStore first, second;
  {
    ppl::ParamStoreScope scope(first);
    ppl::param("x", torch::tensor(1.0));
    {
      ppl::ParamStoreScope inner(second);
      ppl::param("x", torch::tensor(2.0));
    }
    CHECK(ppl::param("x").item<double>() == 1.0);
  }
  CHECK(first.get("x").item<double>() == 1.0);
  CHECK(second.get("x").item<double>() == 2.0);
  CHECK(&ppl::param_store() != &first);
}

TEST_CASE("save and load round-trip values and constraints; loading updates modules in place") {
  const auto path = temp_path("ppl_params.pt");
  ppl::ParamStore store;
  fill_known_params(store);
  store.save(path);

  ppl::ParamStore loaded;
  loaded.load(path);
  check_known_params(loaded);

  // A module bound before loading sees the loaded values without being re-registered.
  ppl::ParamStore with_module;
  ppl::ParamStoreScope scope(with_module);
  torch::nn::Linear fc(2, 2);
  auto net = torch::nn::Sequential();
  net->push_back("fc", fc);
  ppl::module("net", *net);
  with_module.load(path);
  CHECK(torch::equal(fc->weight, torch::ones({2, 2})));
  std::filesystem::remove(path);
}

TEST_CASE("loading a bad file is a clear error and changes nothing") {
  const auto path = temp_path("ppl_bad_params.pt");
  { std::ofstream(path) << "not a param store"; }
  ppl::ParamStore store;
  store.set("loc", torch::zeros({3}));
  CHECK_THROWS_WITH_AS(store.load(path), doctest::Contains(path.c_str()), std::runtime_error);
  CHECK_THROWS_WITH_AS(store.load(path + ".missing"), doctest::Contains("cannot open"),
                       std::runtime_error);
  // A file whose shapes differ from the store's.
  ppl::ParamStore other;
  other.set("loc", torch::zeros({4}));
  other.save(path);
  CHECK_THROWS_WITH_AS(store.load(path), doctest::Contains("param 'loc' has shape (4)"),
                       std::runtime_error);
  CHECK(store.get("loc").sizes() == torch::IntArrayRef({3}));
  std::filesystem::remove(path);
}

TEST_CASE("a fresh process that loads the file sees identical values") {
  const char* child_file = std::getenv("PPL_PARAM_STORE_CHILD");
  if (child_file) {  // this is the child process: load and compare
    ppl::ParamStore store;
    store.load(child_file);
    check_known_params(store);
    return;
  }
  const auto path = temp_path("ppl_params_child.pt");
  ppl::ParamStore store;
  fill_known_params(store);
  store.save(path);
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string command =
      "PPL_PARAM_STORE_CHILD='" + path + "' '" + self +
      "' --test-case='a fresh process that loads the file sees identical values' "
      "> /dev/null 2>&1";
  CHECK(std::system(command.c_str()) == 0);
  std::filesystem::remove(path);
}

TEST_CASE("a param whose initial value is outside its support fails at once, naming it") {
  ppl::ParamStore store;
  ppl::ParamStoreScope scope(store);
  CHECK_THROWS_WITH_AS(ppl::param("w_scale", torch::tensor(-1.0), c::positive),
                       doctest::Contains("param 'w_scale': initial value not in the support "
                                         "positive (found -1)"),
                       std::invalid_argument);
  CHECK_FALSE(store.contains("w_scale"));
  CHECK_THROWS_WITH_AS(store.set("p", torch::tensor({0.2, 0.3}), c::simplex),
                       doctest::Contains("param 'p': value not in the support simplex"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(store.set("zero", torch::tensor(0.0), c::positive),
                       doctest::Contains("found 0"), std::invalid_argument);
  // In the support: created, and its value kept.
  CHECK(ppl::param("w_scale", torch::tensor(0.5), c::positive).item<double>() ==
        doctest::Approx(0.5));
}

}  // namespace test_param_store
