#include "ppl/distributions/constraints.h"

#include "ppl/distributions/finfo.h"
#include "ppl/distributions/shape.h"

#include <ATen/ExpandUtils.h>
#include <fmt/ranges.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace ppl::constraints {

namespace {

torch::Tensor is_integral(const torch::Tensor& value) {
  return value.is_floating_point() ? value == value.floor() : torch::ones_like(value, at::kBool);
}

// A tolerance for sums and products that should be exact, scaled to the dtype.
double tolerance_of(const torch::Tensor& value) {
  const double base = value.scalar_type() == c10::kDouble ? 1e-6 : 1e-5;
  return value.is_floating_point() ? std::max(base, 10 * dist::finfo(value.scalar_type()).eps)
                                   : base;
}

torch::Tensor lower_triangular_with_positive_diagonal(const torch::Tensor& value) {
  const auto lower = (value.tril() == value).flatten(-2).all(-1);
  return lower & (value.diagonal(0, -2, -1) > 0).all(-1);
}

}  // namespace

torch::Tensor Real::check(const torch::Tensor& value) const {
  return value == value;
}

std::string GreaterThan::to_string() const {
  return fmt::format("greater_than({})", lower_bound_.to_string());
}

torch::Tensor GreaterThan::check(const torch::Tensor& value) const {
  return lower_bound_.apply([&](const auto& bound) { return value > bound; });
}

std::string GreaterThanEq::to_string() const {
  return fmt::format("greater_than_eq({})", lower_bound_.to_string());
}

torch::Tensor GreaterThanEq::check(const torch::Tensor& value) const {
  return lower_bound_.apply([&](const auto& bound) { return value >= bound; });
}

std::string LessThan::to_string() const {
  return fmt::format("less_than({})", upper_bound_.to_string());
}

torch::Tensor LessThan::check(const torch::Tensor& value) const {
  return upper_bound_.apply([&](const auto& bound) { return value < bound; });
}

std::string Interval::to_string() const {
  return fmt::format("interval({}, {})", lower_bound_.to_string(), upper_bound_.to_string());
}

torch::Tensor Interval::check(const torch::Tensor& value) const {
  return lower_bound_.apply([&](const auto& low) { return value >= low; }) &
         upper_bound_.apply([&](const auto& high) { return value <= high; });
}

std::string HalfOpenInterval::to_string() const {
  return fmt::format("half_open_interval({}, {})", lower_bound().to_string(),
                     upper_bound().to_string());
}

torch::Tensor HalfOpenInterval::check(const torch::Tensor& value) const {
  return lower_bound().apply([&](const auto& low) { return value >= low; }) &
         upper_bound().apply([&](const auto& high) { return value < high; });
}

torch::Tensor Simplex::check(const torch::Tensor& value) const {
  return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < tolerance_of(value));
}

torch::Tensor Boolean::check(const torch::Tensor& value) const {
  return (value == 0) | (value == 1);
}

std::string IntegerInterval::to_string() const {
  return fmt::format("integer_interval({}, {})", lower_bound_.to_string(),
                     upper_bound_.to_string());
}

torch::Tensor IntegerInterval::check(const torch::Tensor& value) const {
  return is_integral(value) & lower_bound_.apply([&](const auto& low) { return value >= low; }) &
         upper_bound_.apply([&](const auto& high) { return value <= high; });
}

std::string IntegerGreaterThanEq::to_string() const {
  if (lower_bound_ == 0) return "nonnegative_integer";
  if (lower_bound_ == 1) return "positive_integer";
  return fmt::format("integer_greater_than_eq({})", lower_bound_);
}

torch::Tensor IntegerGreaterThanEq::check(const torch::Tensor& value) const {
  return is_integral(value) & (value >= lower_bound_);
}

torch::Tensor OneHot::check(const torch::Tensor& value) const {
  return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1);
}

std::string MultinomialCount::to_string() const {
  return fmt::format("multinomial({})", total_count_.to_string());
}

torch::Tensor MultinomialCount::check(const torch::Tensor& value) const {
  const auto total = value.sum(-1);
  return (is_integral(value) & (value >= 0)).all(-1) &
         total_count_.apply([&](const auto& count) { return total <= count; });
}

torch::Tensor LowerCholesky::check(const torch::Tensor& value) const {
  return lower_triangular_with_positive_diagonal(value);
}

torch::Tensor UnitLowerCholesky::check(const torch::Tensor& value) const {
  const auto lower = (value.triu(1) == 0).flatten(-2).all(-1);
  return lower & (value.diagonal(0, -2, -1) == 1).all(-1);
}

torch::Tensor CorrCholesky::check(const torch::Tensor& value) const {
  const auto row_norms = at::linalg_vector_norm(value, 2, {-1});
  return lower_triangular_with_positive_diagonal(value) &
         ((row_norms - 1).abs() <= tolerance_of(value)).all(-1);
}

torch::Tensor PositiveDefinite::check(const torch::Tensor& value) const {
  const auto symmetric =
      at::isclose(value, value.transpose(-1, -2), 1e-5, 1e-8).flatten(-2).all(-1);
  // A Cholesky factorization succeeds (info == 0) exactly for positive-definite matrices.
  const auto info = std::get<1>(at::linalg_cholesky_ex(value));
  return symmetric & (info == 0);
}

IndependentConstraint::IndependentConstraint(ConstraintPtr base, int64_t reinterpreted_batch_ndims)
    : base_(std::move(base)), reinterpreted_batch_ndims_(reinterpreted_batch_ndims) {
  if (!base_) throw std::invalid_argument("independent: base constraint is null");
  if (reinterpreted_batch_ndims_ < 0) {
    throw std::invalid_argument(fmt::format(
        "independent: reinterpreted_batch_ndims must be >= 0, got {}", reinterpreted_batch_ndims_));
  }
}

std::string IndependentConstraint::to_string() const {
  return fmt::format("independent({}, {})", base_->to_string(), reinterpreted_batch_ndims_);
}

torch::Tensor IndependentConstraint::check(const torch::Tensor& value) const {
  auto ok = base_->check(value);
  for (int64_t i = 0; i < reinterpreted_batch_ndims_; ++i) ok = ok.all(-1);
  return ok;
}

torch::Tensor Dependent::check(const torch::Tensor&) const {
  throw std::logic_error("a dependent constraint cannot be checked");
}

const ConstraintPtr real = std::make_shared<Real>();
const ConstraintPtr real_vector = std::make_shared<IndependentConstraint>(real, 1);
const ConstraintPtr positive = std::make_shared<Positive>();
const ConstraintPtr softplus_positive = std::make_shared<SoftplusPositive>();
const ConstraintPtr nonnegative = std::make_shared<Nonnegative>();
const ConstraintPtr unit_interval = std::make_shared<UnitInterval>();
const ConstraintPtr simplex = std::make_shared<Simplex>();
const ConstraintPtr boolean = std::make_shared<Boolean>();
const ConstraintPtr nonnegative_integer = std::make_shared<IntegerGreaterThanEq>(0);
const ConstraintPtr positive_integer = std::make_shared<IntegerGreaterThanEq>(1);
const ConstraintPtr one_hot = std::make_shared<OneHot>();
const ConstraintPtr lower_cholesky = std::make_shared<LowerCholesky>();
const ConstraintPtr unit_lower_cholesky = std::make_shared<UnitLowerCholesky>();
const ConstraintPtr corr_cholesky = std::make_shared<CorrCholesky>();
const ConstraintPtr positive_definite = std::make_shared<PositiveDefinite>();
const ConstraintPtr dependent = std::make_shared<Dependent>();

ConstraintPtr greater_than(Bound lower_bound) {
  return std::make_shared<GreaterThan>(std::move(lower_bound));
}

ConstraintPtr greater_than_eq(Bound lower_bound) {
  return std::make_shared<GreaterThanEq>(std::move(lower_bound));
}

ConstraintPtr less_than(Bound upper_bound) {
  return std::make_shared<LessThan>(std::move(upper_bound));
}

ConstraintPtr interval(Bound lower_bound, Bound upper_bound) {
  return std::make_shared<Interval>(std::move(lower_bound), std::move(upper_bound));
}

ConstraintPtr half_open_interval(Bound lower_bound, Bound upper_bound) {
  return std::make_shared<HalfOpenInterval>(std::move(lower_bound), std::move(upper_bound));
}

ConstraintPtr integer_interval(Bound lower_bound, Bound upper_bound) {
  return std::make_shared<IntegerInterval>(std::move(lower_bound), std::move(upper_bound));
}

ConstraintPtr multinomial(Bound total_count) {
  return std::make_shared<MultinomialCount>(std::move(total_count));
}

ConstraintPtr independent(ConstraintPtr base, int64_t reinterpreted_batch_ndims) {
  return std::make_shared<IndependentConstraint>(std::move(base), reinterpreted_batch_ndims);
}

namespace {

std::string strip(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\n\r");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\n\r") - first + 1);
}

[[noreturn]] void unknown(const std::string& text) {
  throw std::invalid_argument(fmt::format("unknown constraint '{}'", text));
}

template <class Number>
Number number_of(const std::string& token, const std::string& text) {
  Number number{};
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), number);
  if (token.empty() || error != std::errc() || end != token.data() + token.size()) unknown(text);
  return number;
}

// "name(a, b(c, d))" -> name and its top-level arguments {"a", "b(c, d)"}; no parentheses -> {}.
std::pair<std::string, std::vector<std::string>> split_call(const std::string& text) {
  const auto open = text.find('(');
  if (open == std::string::npos) return {text, {}};
  if (text.back() != ')') unknown(text);
  std::vector<std::string> arguments;
  int depth = 0;
  size_t begin = open + 1;
  for (size_t i = open + 1; i + 1 < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')' && --depth < 0) unknown(text);
    if (text[i] == ',' && depth == 0) {
      arguments.push_back(strip(text.substr(begin, i - begin)));
      begin = i + 1;
    }
  }
  if (depth != 0) unknown(text);
  arguments.push_back(strip(text.substr(begin, text.size() - 1 - begin)));
  return {strip(text.substr(0, open)), arguments};
}

}  // namespace

ConstraintPtr parse(const std::string& text) {
  const std::string t = strip(text);
  const auto [name, arguments] = split_call(t);
  const auto expect = [&, &arguments = arguments](size_t count) {
    if (arguments.size() != count) unknown(text);
  };
  const auto real_argument = [&, &arguments = arguments](size_t i) {
    return number_of<double>(arguments.at(i), text);
  };
  if (t == name) {
    for (const ConstraintPtr& c :
         {real, positive, softplus_positive, nonnegative, unit_interval, simplex, boolean,
          nonnegative_integer, positive_integer, one_hot, lower_cholesky, unit_lower_cholesky,
          corr_cholesky, positive_definite}) {
      if (c->to_string() == t) return c;
    }
    unknown(text);
  }
  if (name == "greater_than") return expect(1), greater_than(real_argument(0));
  if (name == "greater_than_eq") return expect(1), greater_than_eq(real_argument(0));
  if (name == "less_than") return expect(1), less_than(real_argument(0));
  if (name == "interval") return expect(2), interval(real_argument(0), real_argument(1));
  if (name == "half_open_interval") {
    return expect(2), half_open_interval(real_argument(0), real_argument(1));
  }
  if (name == "integer_interval") {
    expect(2);
    const double low = real_argument(0), high = real_argument(1);
    if (low != std::floor(low) || high != std::floor(high)) unknown(text);
    return integer_interval(low, high);
  }
  if (name == "multinomial") return expect(1), multinomial(real_argument(0));
  if (name == "independent") {
    expect(2);
    return independent(parse(arguments[0]), number_of<int64_t>(arguments[1], text));
  }
  unknown(text);
}

std::string describe_violation(const torch::Tensor& value, const torch::Tensor& satisfied) {
  const auto first = dist::first_true_index(satisfied.logical_not());
  if (!first) return "found an invalid value";
  const std::vector<int64_t>& index = *first;
  std::string found = "found an invalid value";
  const int64_t event_dims = std::max<int64_t>(value.dim() - satisfied.dim(), 0);
  const auto event_shape = value.sizes().slice(value.dim() - event_dims);
  if (at::is_expandable_to(value.sizes().slice(0, value.dim() - event_dims), satisfied.sizes())) {
    dist::Shape expanded(satisfied.sizes().begin(), satisfied.sizes().end());
    expanded.insert(expanded.end(), event_shape.begin(), event_shape.end());
    auto element = value.expand(expanded);
    for (int64_t i : index) element = element[i];
    if (element.numel() == 1) {
      found = fmt::format("found {}", element.item<double>());
    } else if (element.numel() <= 10) {
      const auto flat = element.reshape(-1).to(torch::kDouble).contiguous();
      const std::vector<double> numbers(flat.data_ptr<double>(),
                                        flat.data_ptr<double>() + flat.numel());
      found = fmt::format("found ({})", fmt::join(numbers, ", "));
    }
  }
  if (index.empty()) return found;
  if (index.size() == 1) return fmt::format("{} (at index {})", found, index[0]);
  return fmt::format("{} (at index {})", found, dist::shape_str(index));
}

}  // namespace ppl::constraints
