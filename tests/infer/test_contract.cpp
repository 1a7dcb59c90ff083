// Tensor variable elimination (infer/contract.h) against brute force: sums and maxima of the
// broadcast joint, and exhaustive enumeration, computed with plain tensor ops.
#include "tests/support.h"

#include <doctest/doctest.h>
#include <ppl/ppl.h>

#include <limits>

namespace test_contract {

using ppl::infer::contract_plated;
using ppl::infer::Elimination;
using ppl::infer::Factor;
using ppl::infer::FactorDim;
using ppl::infer::Semiring;
using ppl::infer::site_factor;
using ppl::infer::sum_product;
using ppl::testing::contains;
using ppl::testing::what_of;

namespace {

FactorDim enumerated(const std::string& name, int64_t size) {
  return {name, false, size};
}

FactorDim plate_dim(const std::string& name, int64_t size) {
  return {name, true, size};
}

/// A float64 standard normal table of `sizes`, drawn from `generator`.
torch::Tensor table(at::IntArrayRef sizes, at::Generator& generator) {
  return torch::randn(sizes, generator, torch::kDouble);
}

/// A factor over `dims` with a random table.
Factor random_factor(std::vector<FactorDim> dims, std::set<std::string> plates,
                     at::Generator& generator) {
  std::vector<int64_t> sizes;
  for (const FactorDim& dim : dims) sizes.push_back(dim.size);
  return {table(sizes, generator), std::move(dims), std::move(plates)};
}

std::vector<std::string> names_of(const std::vector<FactorDim>& dims) {
  std::vector<std::string> names;
  for (const FactorDim& dim : dims) names.push_back(dim.name);
  return names;
}

/// `dims` as text, "name=size" for a site and "name[plate]=size" for a plate.
std::string describe(const std::vector<FactorDim>& dims) {
  std::string text;
  for (const FactorDim& dim : dims)
    text += (text.empty() ? "" : " ") + dim.name + (dim.is_plate ? "[plate]=" : "=") +
            std::to_string(dim.size);
  return text;
}

int64_t axis_of(const std::vector<std::string>& names, const std::string& name) {
  auto at = std::find(names.begin(), names.end(), name);
  REQUIRE_MESSAGE(at != names.end(), "no dim named '" << name << "'");
  return at - names.begin();
}

/// `values`, whose axes are the dims `names` in any order, permuted to the order of `layout`
/// (a superset of `names`) with a size-1 axis for each dim of `layout` it lacks.
torch::Tensor spread(const torch::Tensor& values, const std::vector<std::string>& names,
                     const std::vector<std::string>& layout) {
  std::vector<int64_t> permutation, shape;
  for (const std::string& name : layout) {
    auto at = std::find(names.begin(), names.end(), name);
    if (at == names.end()) {
      shape.push_back(1);
      continue;
    }
    permutation.push_back(at - names.begin());
    shape.push_back(values.size(permutation.back()));
  }
  REQUIRE(permutation.size() == names.size());
  return values.permute(permutation).reshape(shape);
}

/// The log of the product of `factors` (the sum of their log-values) over the dims `layout`.
torch::Tensor brute_joint(const std::vector<Factor>& factors,
                          const std::vector<std::string>& layout) {
  torch::Tensor joint = torch::zeros({}, torch::kDouble);
  for (const Factor& factor : factors)
    joint = joint + spread(factor.log_value, names_of(factor.dims), layout);
  return joint;
}

torch::Tensor reduce(const torch::Tensor& values, at::IntArrayRef axes, Semiring semiring,
                     bool keepdim = false) {
  return semiring == Semiring::sum ? values.logsumexp(axes, keepdim) : values.amax(axes, keepdim);
}

/// Checks that `result` is `expected`, whose axes are the dims `names`: the same dims, each
/// axis of `result.log_value` as long as its dim says, and the values in `result.dims`' order.
void check_factor(const Factor& result, const torch::Tensor& expected,
                  const std::vector<std::string>& names) {
  REQUIRE(result.dims.size() == names.size());
  REQUIRE(result.log_value.dim() == static_cast<int64_t>(names.size()));
  std::vector<int64_t> permutation;
  for (size_t i = 0; i < result.dims.size(); ++i) {
    permutation.push_back(axis_of(names, result.dims[i].name));
    CHECK(result.dims[i].size == expected.size(permutation.back()));
    CHECK(result.log_value.size(static_cast<int64_t>(i)) == result.dims[i].size);
  }
  CHECK(torch::allclose(result.log_value, expected.permute(permutation), 1e-12, 1e-12));
}

/// Checks the order of `records` that back-substitution relies on: each site once, and every
/// other enumerated dim of a site's joint factor eliminated after it.
void check_elimination_order(const std::vector<Elimination>& records,
                             const std::set<std::string>& sites) {
  std::set<std::string> seen;
  for (size_t i = 0; i < records.size(); ++i) {
    CAPTURE(records[i].site);
    CHECK(seen.insert(records[i].site).second);
    CHECK(records[i].joint.has(enumerated(records[i].site, 0)));
    for (const FactorDim& dim : records[i].joint.dims) {
      if (dim.is_plate || dim.name == records[i].site) continue;
      auto later = std::find_if(records.begin() + static_cast<int64_t>(i) + 1, records.end(),
                                [&](const Elimination& e) { return e.site == dim.name; });
      CHECK_MESSAGE(later != records.end(), "neighbour " << dim.name << " is not eliminated later");
    }
  }
  CHECK(seen == sites);
}

}  // namespace

TEST_CASE("Factor::has matches dims by name and kind; aligned permutes and pads with size 1") {
  auto generator = ppl::testing::generator(1);
  const Factor factor = random_factor({enumerated("b", 3), plate_dim("p", 4)}, {"p"}, generator);
  CHECK(factor.has(enumerated("b", 3)));
  CHECK(factor.has(enumerated("b", 7)));  // the size is not part of a dim's identity
  CHECK_FALSE(factor.has(plate_dim("b", 3)));
  CHECK_FALSE(factor.has(enumerated("p", 4)));
  const torch::Tensor aligned =
      factor.aligned({plate_dim("p", 4), enumerated("x", 5), enumerated("b", 3)});
  CHECK(aligned.sizes() == c10::IntArrayRef({4, 1, 3}));
  CHECK(torch::equal(aligned, factor.log_value.t().unsqueeze(1)));
}

TEST_CASE("sum_product is the log-sum-exp or max of the broadcast joint over the eliminated dims") {
  auto generator = ppl::testing::generator(2);
  // a - b - c, with x and y hanging off b and c and a plate p on the factor over a and b; the
  // dims are listed in a different order in each factor.
  const std::vector<Factor> factors{
      random_factor({enumerated("b", 3), plate_dim("p", 7), enumerated("a", 2)}, {"p"}, generator),
      random_factor({enumerated("x", 5), enumerated("c", 4), enumerated("b", 3)}, {}, generator),
      random_factor({enumerated("c", 4), enumerated("y", 6)}, {}, generator),
      random_factor({enumerated("a", 2)}, {}, generator)};
  const std::vector<std::string> layout{"p", "x", "y", "a", "b", "c"};
  const torch::Tensor joint = brute_joint(factors, layout);
  for (Semiring semiring : {Semiring::sum, Semiring::max}) {
    CAPTURE(static_cast<int>(semiring));
    const Factor result = sum_product(factors, {"a", "b", "c"}, semiring);
    check_factor(result, reduce(joint, {3, 4, 5}, semiring), {"p", "x", "y"});
    CHECK(result.has(plate_dim("p", 7)));
    CHECK_FALSE(result.has(enumerated("p", 7)));
    CHECK(result.plates == std::set<std::string>{"p"});
  }
  // Eliminating only b keeps a and c (and sums nothing else).
  check_factor(sum_product(factors, {"b"}, Semiring::sum), joint.logsumexp(4),
               {"p", "x", "y", "a", "c"});
}

TEST_CASE("sum_product's gradient, one backward node, is the brute-force joint's") {
  // Small factors go through plain loops, large ones (joints of 4,400 values) through tensor
  // ops; a plate dim, dims listed in different orders, a non-contiguous input and a factor used
  // by no eliminated site.
  for (int64_t k : {3, 1100}) {
    CAPTURE(k);
    auto generator = ppl::testing::generator(5);
    std::vector<Factor> factors{
        random_factor({enumerated("b", k), plate_dim("p", 2), enumerated("a", 2)}, {"p"},
                      generator),
        random_factor({enumerated("c", 4), enumerated("b", k)}, {}, generator),
        random_factor({enumerated("c", 4)}, {}, generator),
        random_factor({plate_dim("p", 2)}, {"p"}, generator)};
    factors[1].log_value = factors[1].log_value.t().contiguous().t();  // strides (1, 4)
    std::vector<torch::Tensor> inputs;
    for (Factor& factor : factors) inputs.push_back(factor.log_value.requires_grad_());
    const torch::Tensor weights = table({2}, generator);  // over the plate left in the result
    const Factor result = sum_product(factors, {"a", "b", "c"}, Semiring::sum);
    REQUIRE(names_of(result.dims) == std::vector<std::string>{"p"});
    CHECK(result.log_value.grad_fn()->name() == "ppl::infer::SumProductBackward");
    const auto gradients = torch::autograd::grad({(result.log_value * weights).sum()}, inputs);
    const std::vector<std::string> layout{"p", "a", "b", "c"};
    const torch::Tensor expected = reduce(brute_joint(factors, layout), {1, 2, 3}, Semiring::sum);
    CHECK(torch::allclose(result.log_value, expected, 1e-12, 1e-12));
    const auto brute = torch::autograd::grad({(expected * weights).sum()}, inputs);
    for (size_t i = 0; i < inputs.size(); ++i) {
      CAPTURE(i);
      CHECK(gradients[i].sizes() == inputs[i].sizes());
      CHECK(torch::allclose(gradients[i], brute[i], 1e-12, 1e-12));
    }
  }
}

TEST_CASE("sum_product without gradients, by max or with no site to sum records no own node") {
  auto generator = ppl::testing::generator(6);
  std::vector<Factor> factors{
      random_factor({enumerated("a", 3), enumerated("b", 2)}, {}, generator),
      random_factor({enumerated("b", 2)}, {}, generator)};
  CHECK_FALSE(sum_product(factors, {"a", "b"}, Semiring::sum).log_value.requires_grad());
  for (Factor& factor : factors) factor.log_value.requires_grad_();
  const Factor maximum = sum_product(factors, {"a", "b"}, Semiring::max);
  REQUIRE(maximum.log_value.requires_grad());
  CHECK(maximum.log_value.grad_fn()->name() != "ppl::infer::SumProductBackward");
  // Nothing to eliminate: the sum of the factors, differentiable as such.
  const Factor sum = sum_product(factors, {"z"}, Semiring::sum);
  const auto gradients =
      torch::autograd::grad({sum.log_value.sum()}, {factors[0].log_value, factors[1].log_value});
  CHECK(gradients[0].allclose(torch::ones({3, 2}, torch::kDouble)));
  CHECK(gradients[1].allclose(torch::full({2}, 3.0, torch::kDouble)));
  torch::NoGradGuard no_grad;
  CHECK_FALSE(sum_product(factors, {"a", "b"}, Semiring::sum).log_value.requires_grad());
}

TEST_CASE("sum_product keeps a factor's other dims in their order") {
  auto generator = ppl::testing::generator(3);
  const Factor factor =
      random_factor({enumerated("x", 2), enumerated("a", 3), plate_dim("p", 4), enumerated("y", 5)},
                    {"p"}, generator);
  for (Semiring semiring : {Semiring::sum, Semiring::max}) {
    const Factor result = sum_product({factor}, {"a"}, semiring);
    CHECK(describe(result.dims) == "x=2 p[plate]=4 y=5");
    CHECK(result.log_value.sizes() == c10::IntArrayRef({2, 4, 5}));
    CHECK(torch::allclose(result.log_value, reduce(factor.log_value, {1}, semiring)));
  }
  // With nothing to eliminate, the factors are only combined.
  const Factor other = random_factor({enumerated("z", 6)}, {}, generator);
  const Factor combined = sum_product({factor, other}, {}, Semiring::sum);
  const std::vector<std::string> layout{"x", "a", "p", "y", "z"};
  check_factor(combined, brute_joint({factor, other}, layout), layout);
}

TEST_CASE("sum_product eliminates a chain end first, never building a factor over three sites") {
  // s0 - s1 - ... - s7 with K = 3, the factors listed from the middle out, so eliminating the
  // sites in the order they first appear would join s3, s4 and s5.
  auto generator = ppl::testing::generator(4);
  const int64_t length = 8;
  std::vector<std::string> layout;
  std::set<std::string> sites;
  for (int64_t i = 0; i < length; ++i) {
    layout.push_back("s" + std::to_string(i));
    sites.insert(layout.back());
  }
  std::vector<Factor> factors;
  for (int64_t i : {4, 5, 3, 6, 2, 1, 0})
    factors.push_back(
        random_factor({enumerated(layout[i], 3), enumerated(layout[i + 1], 3)}, {}, generator));
  factors.push_back(random_factor({enumerated("s0", 3)}, {}, generator));
  std::vector<Elimination> records;
  const Factor result = sum_product(factors, sites, Semiring::sum, &records);
  check_factor(result, brute_joint(factors, layout).flatten().logsumexp(0), {});
  REQUIRE(records.size() == sites.size());
  check_elimination_order(records, sites);
  for (const Elimination& record : records) {
    CAPTURE(record.site);
    CHECK(record.joint.dims.size() <= 2);
  }
}

TEST_CASE("sum_product's elimination records: conditionals (sum) and back-substituted MAP (max)") {
  // A loop b - c - d - b and a leaf a on b.
  auto generator = ppl::testing::generator(5);
  const std::vector<Factor> factors{
      random_factor({enumerated("a", 2)}, {}, generator),
      random_factor({enumerated("b", 3), enumerated("a", 2)}, {}, generator),
      random_factor({enumerated("b", 3), enumerated("c", 4)}, {}, generator),
      random_factor({enumerated("d", 2), enumerated("b", 3)}, {}, generator),
      random_factor({enumerated("c", 4), enumerated("d", 2)}, {}, generator)};
  const std::vector<std::string> layout{"a", "b", "c", "d"};
  const std::set<std::string> sites(layout.begin(), layout.end());
  const torch::Tensor joint = brute_joint(factors, layout);

  SUBCASE("sum: each joint, normalised over its site, is the site's conditional given the later") {
    std::vector<Elimination> records;
    sum_product(factors, sites, Semiring::sum, &records);
    REQUIRE(records.size() == sites.size());
    check_elimination_order(records, sites);
    for (size_t i = 0; i < records.size(); ++i) {
      CAPTURE(records[i].site);
      std::vector<int64_t> earlier;
      for (size_t j = 0; j < i; ++j) earlier.push_back(axis_of(layout, records[j].site));
      const torch::Tensor later_joint = earlier.empty() ? joint : joint.logsumexp(earlier, true);
      const int64_t axis = axis_of(layout, records[i].site);
      const torch::Tensor conditional = later_joint - later_joint.logsumexp(axis, true);
      torch::Tensor recorded =
          spread(records[i].joint.log_value, names_of(records[i].joint.dims), layout);
      recorded = recorded - recorded.logsumexp(axis, true);
      CHECK(torch::allclose(recorded.expand_as(conditional), conditional, 1e-12, 1e-12));
    }
  }

  SUBCASE("max: back-substituting the joints in reverse gives the brute-force argmax") {
    std::vector<Elimination> records;
    const Factor best = sum_product(factors, sites, Semiring::max, &records);
    CHECK(best.log_value.item<double>() == doctest::Approx(joint.max().item<double>()));
    REQUIRE(records.size() == sites.size());
    check_elimination_order(records, sites);
    std::map<std::string, int64_t> choices;
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
      torch::Tensor values = it->joint.log_value;
      for (int64_t axis = values.dim() - 1; axis >= 0; --axis)
        if (it->joint.dims[axis].name != it->site)
          values = values.select(axis, choices.at(it->joint.dims[axis].name));
      choices[it->site] = values.argmax().item<int64_t>();
    }
    int64_t flat = joint.argmax().item<int64_t>();
    std::map<std::string, int64_t> expected;
    for (int64_t axis = joint.dim() - 1; axis >= 0; --axis) {
      expected[layout[axis]] = flat % joint.size(axis);
      flat /= joint.size(axis);
    }
    CHECK(choices == expected);
  }
}

TEST_CASE("contract_plated sums a plate's sites inside it, then takes the product over it") {
  // a outside plate p; b inside it, depending on a; an observation in p depending on b; and
  // factors no eliminated site touches, which come back as they are.
  auto generator = ppl::testing::generator(6);
  const Factor prior = random_factor({enumerated("a", 2)}, {}, generator);
  const Factor local =
      random_factor({enumerated("b", 3), plate_dim("p", 4), enumerated("a", 2)}, {"p"}, generator);
  const Factor observed = random_factor({plate_dim("p", 4), enumerated("b", 3)}, {"p"}, generator);
  const Factor untouched = random_factor({plate_dim("q", 5)}, {"q"}, generator);
  const Factor not_eliminated =
      random_factor({plate_dim("p", 4), enumerated("e", 2)}, {"p"}, generator);
  const std::vector<std::string> layout{"a", "p", "b"};
  const torch::Tensor inner = brute_joint({local, observed}, layout);
  for (Semiring semiring : {Semiring::sum, Semiring::max}) {
    CAPTURE(static_cast<int>(semiring));
    const auto results =
        contract_plated({untouched, prior, local, observed, not_eliminated}, {"a", "b"}, semiring);
    REQUIRE(results.size() == 3);
    int found = 0;
    for (const Factor& result : results) {
      if (result.has(enumerated("e", 2)) || result.has(plate_dim("q", 5))) {
        const Factor& original = result.has(plate_dim("q", 5)) ? untouched : not_eliminated;
        CHECK(torch::equal(result.log_value, original.log_value));
        CHECK(describe(result.dims) == describe(original.dims));
        CHECK(result.plates == original.plates);
        ++found;
        continue;
      }
      const torch::Tensor per_a = reduce(inner, {2}, semiring).sum(1);
      check_factor(result, reduce(prior.log_value + per_a, {0}, semiring), {});
      CHECK(result.plates.empty());
      ++found;
    }
    CHECK(found == 3);
  }
}

TEST_CASE("contract_plated with nested plates sums each site inside its innermost plate") {
  // a global; b in plate p; c in plates p and q, depending on b.
  auto generator = ppl::testing::generator(7);
  const std::vector<Factor> factors{
      random_factor({enumerated("a", 2)}, {}, generator),
      random_factor({plate_dim("p", 4), enumerated("a", 2), enumerated("b", 3)}, {"p"}, generator),
      random_factor({enumerated("c", 2), plate_dim("q", 5), enumerated("b", 3), plate_dim("p", 4)},
                    {"p", "q"}, generator)};
  const std::vector<std::string> layout{"a", "p", "b", "q", "c"};
  for (Semiring semiring : {Semiring::sum, Semiring::max}) {
    CAPTURE(static_cast<int>(semiring));
    const torch::Tensor innermost =
        reduce(spread(factors[2].log_value, names_of(factors[2].dims), layout), {4}, semiring, true)
            .sum(3, true);  // (1, p, b, 1, 1)
    const torch::Tensor middle =
        reduce(spread(factors[1].log_value, names_of(factors[1].dims), layout) + innermost, {2},
               semiring)
            .sum(1);  // (a, 1, 1)
    const torch::Tensor expected = reduce(factors[0].log_value + middle.flatten(), {0}, semiring);
    const auto results = contract_plated(factors, {"a", "b", "c"}, semiring);
    REQUIRE(results.size() == 1);
    check_factor(results[0], expected, {});
    CHECK(results[0].plates.empty());
  }
}

TEST_CASE("contract_plated: sibling plates contract to a shared site; a plate-local site stays") {
  // Pyro's collide_ok_3: c global, factors in plates i, j and {i, j} all on c. Separately, d
  // lives only in plate r: its component ends in r, one value per element, no product taken.
  auto generator = ppl::testing::generator(8);
  const std::vector<Factor> factors{
      random_factor({enumerated("c", 4)}, {}, generator),
      random_factor({plate_dim("i", 2), enumerated("c", 4)}, {"i"}, generator),
      random_factor({enumerated("c", 4), plate_dim("j", 3)}, {"j"}, generator),
      random_factor({plate_dim("r", 5), enumerated("d", 3)}, {"r"}, generator),
      random_factor({plate_dim("j", 3), enumerated("c", 4), plate_dim("i", 2)}, {"i", "j"},
                    generator)};
  const std::vector<std::string> layout{"i", "j", "c"};
  torch::Tensor per_c = factors[0].log_value;
  for (size_t k : {1, 2, 4})
    per_c =
        per_c +
        spread(factors[k].log_value, names_of(factors[k].dims), layout).sum(at::IntArrayRef{0, 1});
  for (Semiring semiring : {Semiring::sum, Semiring::max}) {
    CAPTURE(static_cast<int>(semiring));
    const auto results = contract_plated(factors, {"c", "d"}, semiring);
    REQUIRE(results.size() == 2);
    const bool local_first = results[0].has(plate_dim("r", 5));
    const Factor& global = results[local_first ? 1 : 0];
    const Factor& local = results[local_first ? 0 : 1];
    check_factor(global, reduce(per_c, {0}, semiring), {});
    CHECK(global.plates.empty());
    check_factor(local, reduce(factors[3].log_value, {1}, semiring), {"r"});
    CHECK(local.plates == std::set<std::string>{"r"});
    CHECK(local.has(plate_dim("r", 5)));
  }
}

TEST_CASE("contract_plated refuses sites in sibling plates that one factor depends on") {
  // Pyro's collide case: x in plate i, y in plate j, a factor in {i, j} on both.
  auto generator = ppl::testing::generator(9);
  const std::vector<Factor> factors{
      random_factor({plate_dim("i", 2), enumerated("x", 4)}, {"i"}, generator),
      random_factor({plate_dim("j", 3), enumerated("y", 5)}, {"j"}, generator),
      random_factor({plate_dim("i", 2), plate_dim("j", 3), enumerated("x", 4), enumerated("y", 5)},
                    {"i", "j"}, generator)};
  CHECK_THROWS_AS(contract_plated(factors, {"x", "y"}, Semiring::sum), std::runtime_error);
  const std::string message = what_of([&] { contract_plated(factors, {"x", "y"}, Semiring::max); });
  CAPTURE(message);
  CHECK(contains(message,
                 "cannot sum out the enumerated sites 'x' in plates {i}, 'y' in plates {j}: a "
                 "factor in plates {i, j} depends on all of them, and their plates do not nest "
                 "as a tree"));
  CHECK(contains(message, "a site outside a plate may not depend on a site inside it"));
}

TEST_CASE("contract_plated's records back-substitute to the MAP of the plated model") {
  // a global, b_1..b_4 one per element of plate p, each depending on a: the MAP by exhaustive
  // enumeration of all 2 * 3^4 assignments.
  auto generator = ppl::testing::generator(10);
  const Factor prior = random_factor({enumerated("a", 2)}, {}, generator);
  const Factor local =
      random_factor({enumerated("b", 3), plate_dim("p", 4), enumerated("a", 2)}, {"p"}, generator);
  const torch::Tensor by_pab = spread(local.log_value, names_of(local.dims), {"p", "a", "b"});

  double best_score = -std::numeric_limits<double>::infinity();
  std::vector<int64_t> best;  // a, b_1..b_4
  std::vector<int64_t> assignment(5, 0);
  for (int64_t code = 0; code < 2 * 81; ++code) {
    int64_t rest = code;
    assignment[0] = rest % 2;
    rest /= 2;
    double score = prior.log_value[assignment[0]].item<double>();
    for (int64_t p = 0; p < 4; ++p) {
      assignment[p + 1] = rest % 3;
      rest /= 3;
      score += by_pab[p][assignment[0]][assignment[p + 1]].item<double>();
    }
    if (score > best_score) {
      best_score = score;
      best = assignment;
    }
  }

  std::vector<Elimination> records;
  const auto results = contract_plated({prior, local}, {"a", "b"}, Semiring::max, &records);
  REQUIRE(results.size() == 1);
  CHECK(results[0].log_value.item<double>() == doctest::Approx(best_score).epsilon(1e-12));
  REQUIRE(records.size() == 2);
  CHECK(records[0].site == "b");
  CHECK(records[0].joint.plates == std::set<std::string>{"p"});
  CHECK(records[0].joint.has(plate_dim("p", 4)));
  CHECK(records[1].site == "a");
  CHECK(records[1].joint.plates.empty());

  const int64_t a = records[1].joint.log_value.argmax().item<int64_t>();
  const torch::Tensor b =
      spread(records[0].joint.log_value, names_of(records[0].joint.dims), {"p", "a", "b"})
          .select(1, a)
          .argmax(1);
  CHECK(a == best[0]);
  CHECK(torch::equal(b, torch::tensor(std::vector<int64_t>(best.begin() + 1, best.end()))));
}

TEST_CASE("site_factor names dims from plates and enumeration dims and drops size-1 dims") {
  ppl::Site site;
  site.name = "x";
  site.cond_indep_stack = {ppl::PlateFrame{"data", -1, 4, 4, 0},
                           ppl::PlateFrame{"wide", -2, 3, 3, 0},
                           ppl::PlateFrame{"steps", std::nullopt, 1, 6, 2}};
  site.enumeration_record().dims = {{-4, "z"}, {-3, "y"}};
  const ppl::Trace trace{};
  auto generator = ppl::testing::generator(11);
  // Varies along z and data; y and the plate wide are broadcast (size 1).
  const torch::Tensor log_prob = table({2, 1, 1, 4}, generator);
  const Factor factor = site_factor(site, log_prob, trace);
  CHECK(describe(factor.dims) == "z=2 data[plate]=4");
  const std::set<std::string> vectorized{"data", "wide"};
  CHECK(factor.plates == vectorized);
  CHECK(torch::equal(factor.log_value, log_prob.reshape({2, 4})));

  // A tensor of another shape (a cost, say) is named the same way.
  const torch::Tensor full = table({2, 5, 3, 4}, generator);
  const Factor all = site_factor(site, full, trace);
  CHECK(describe(all.dims) == "z=2 y=5 wide[plate]=3 data[plate]=4");
  CHECK(torch::equal(all.log_value, full));

  // Outside every plate and enumeration: a scalar factor.
  const Factor scalar = site_factor(ppl::Site{}, table({}, generator), trace);
  CHECK(scalar.dims.empty());
  CHECK(scalar.plates.empty());
}

TEST_CASE("site_factor refuses a dim that is neither a plate nor an enumeration dim") {
  ppl::Site site;
  site.name = "x";
  site.cond_indep_stack = {ppl::PlateFrame{"data", -1, 4, 4, 0}};
  site.enumeration_record().dims = {{-3, "z"}};
  auto generator = ppl::testing::generator(12);
  const torch::Tensor log_prob = table({2, 3, 4}, generator);
  CHECK_THROWS_AS(site_factor(site, log_prob, ppl::Trace{}), std::runtime_error);
  const std::string message = what_of([&] { site_factor(site, log_prob, ppl::Trace{}); });
  CAPTURE(message);
  CHECK(contains(message,
                 "sample site 'x': its log_prob varies along dim -2 (size 3), which is neither "
                 "one of its plates nor the dim of an enumerated site it can see"));
  // Size 1 there is fine.
  CHECK(site_factor(site, table({2, 1, 4}, generator), ppl::Trace{}).dims.size() == 2);
}

}  // namespace test_contract
