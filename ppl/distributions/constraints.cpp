#include "ppl/distributions/constraints.h"

#include "ppl/distributions/finfo.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace ppl::constraints {

torch::Tensor Real::check(const torch::Tensor& value) const {
  return value == value;
}

std::string GreaterThan::to_string() const {
  return fmt::format("greater_than({})", lower_bound_);
}

torch::Tensor GreaterThan::check(const torch::Tensor& value) const {
  return value > lower_bound_;
}

std::string Interval::to_string() const {
  return fmt::format("interval({}, {})", lower_bound_, upper_bound_);
}

torch::Tensor Interval::check(const torch::Tensor& value) const {
  return (value >= lower_bound_) & (value <= upper_bound_);
}

torch::Tensor Simplex::check(const torch::Tensor& value) const {
  const double base = value.scalar_type() == c10::kDouble ? 1e-6 : 1e-5;
  const double tolerance =
      value.is_floating_point() ? std::max(base, 10 * dist::finfo(value.scalar_type()).eps) : base;
  return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < tolerance);
}

torch::Tensor Boolean::check(const torch::Tensor& value) const {
  return (value == 0) | (value == 1);
}

std::string IntegerInterval::to_string() const {
  return fmt::format("integer_interval({}, {})", lower_bound_, upper_bound_);
}

torch::Tensor IntegerInterval::check(const torch::Tensor& value) const {
  auto in_range = (value >= lower_bound_) & (value <= upper_bound_);
  return value.is_floating_point() ? in_range & (value == value.floor()) : in_range;
}

const ConstraintPtr real = std::make_shared<Real>();
const ConstraintPtr positive = std::make_shared<Positive>();
const ConstraintPtr unit_interval = std::make_shared<UnitInterval>();
const ConstraintPtr simplex = std::make_shared<Simplex>();
const ConstraintPtr boolean = std::make_shared<Boolean>();

ConstraintPtr greater_than(double lower_bound) {
  return std::make_shared<GreaterThan>(lower_bound);
}

ConstraintPtr interval(double lower_bound, double upper_bound) {
  return std::make_shared<Interval>(lower_bound, upper_bound);
}

ConstraintPtr integer_interval(int64_t lower_bound, int64_t upper_bound) {
  return std::make_shared<IntegerInterval>(lower_bound, upper_bound);
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

// The `count` numbers of "name(a, b)", or unknown(text) when malformed.
template <class Number>
std::vector<Number> arguments(const std::string& text, const std::string& name, size_t count) {
  const std::string body = strip(text.substr(name.size()));
  if (body.size() < 2 || body.front() != '(' || body.back() != ')') unknown(text);
  std::vector<Number> numbers;
  size_t begin = 1;
  while (begin < body.size()) {
    size_t comma = body.find(',', begin);
    if (comma == std::string::npos) comma = body.size() - 1;
    const std::string token = strip(body.substr(begin, comma - begin));
    Number number{};
    const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), number);
    if (token.empty() || error != std::errc() || end != token.data() + token.size()) unknown(text);
    numbers.push_back(number);
    begin = comma + 1;
  }
  if (numbers.size() != count) unknown(text);
  return numbers;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

ConstraintPtr parse(const std::string& text) {
  const std::string t = strip(text);
  if (t == "real") return real;
  if (t == "positive") return positive;
  if (t == "unit_interval") return unit_interval;
  if (t == "simplex") return simplex;
  if (t == "boolean") return boolean;
  if (starts_with(t, "greater_than")) {
    return greater_than(arguments<double>(t, "greater_than", 1)[0]);
  }
  if (starts_with(t, "integer_interval")) {
    const auto bounds = arguments<int64_t>(t, "integer_interval", 2);
    return integer_interval(bounds[0], bounds[1]);
  }
  if (starts_with(t, "interval")) {
    const auto bounds = arguments<double>(t, "interval", 2);
    return interval(bounds[0], bounds[1]);
  }
  unknown(text);
}

}  // namespace ppl::constraints
