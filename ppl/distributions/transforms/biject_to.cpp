#include "ppl/distributions/transforms/biject_to.h"

#include "ppl/distributions/transforms/affine.h"
#include "ppl/distributions/transforms/compose.h"
#include "ppl/distributions/transforms/corr_cholesky.h"
#include "ppl/distributions/transforms/exp.h"
#include "ppl/distributions/transforms/independent.h"
#include "ppl/distributions/transforms/lower_cholesky.h"
#include "ppl/distributions/transforms/positive_definite.h"
#include "ppl/distributions/transforms/scaled_sigmoid.h"
#include "ppl/distributions/transforms/sigmoid.h"
#include "ppl/distributions/transforms/softmax.h"
#include "ppl/distributions/transforms/softplus.h"
#include "ppl/distributions/transforms/stick_breaking.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace ppl::transforms {
namespace {

using namespace constraints;

// A bound as a number when it is one, or a single CPU value that needs no gradient (Uniform's
// bounds are tensors): the transforms for number bounds are simpler and faster.
std::optional<double> as_number(const Bound& bound) {
  if (bound.is_number()) return bound.number();
  const torch::Tensor& t = bound.tensor();
  if (t.dim() == 0 && t.device().is_cpu() && !t.requires_grad()) return t.item<double>();
  return std::nullopt;
}

// exp shifted to lower_bound: a + exp(x).
TransformPtr above(const Bound& lower_bound) {
  static const TransformPtr exp = std::make_shared<Exp>();
  if (as_number(lower_bound) == 0.0) return exp;
  return std::make_shared<Compose>(
      std::vector<TransformPtr>{exp, std::make_shared<Affine>(lower_bound, 1.0)});
}

// b - exp(x).
TransformPtr below(const Bound& upper_bound) {
  return std::make_shared<Compose>(std::vector<TransformPtr>{
      std::make_shared<Exp>(), std::make_shared<Affine>(upper_bound, -1.0)});
}

// a + (b - a) sigmoid(x).
TransformPtr between(const Bound& lower_bound, const Bound& upper_bound) {
  const auto low = as_number(lower_bound), high = as_number(upper_bound);
  if (low && high) return std::make_shared<ScaledSigmoid>(*low, *high);
  static const TransformPtr sigmoid = std::make_shared<Sigmoid>();
  const Bound width = lower_bound.is_number() ? Bound(upper_bound.tensor() - lower_bound.number())
                      : upper_bound.is_number()
                          ? Bound(upper_bound.number() - lower_bound.tensor())
                          : Bound(upper_bound.tensor() - lower_bound.tensor());
  return std::make_shared<Compose>(
      std::vector<TransformPtr>{sigmoid, std::make_shared<Affine>(lower_bound, width)});
}

class Registry {
 public:
  void set(std::type_index type, TransformFactory factory) {
    std::lock_guard<std::mutex> lock(mutex_);
    factories_[type] = std::move(factory);
  }
  TransformFactory get(std::type_index type) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = factories_.find(type);
    return it == factories_.end() ? TransformFactory() : it->second;
  }
  template <class C, class F>
  void add(F factory) {
    factories_[typeid(C)] = [factory](const Constraint& c) {
      return TransformPtr(factory(static_cast<const C&>(c)));
    };
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::type_index, TransformFactory> factories_;
};

// biject_to's registrations; transform_to falls back to them.
void add_bijections(Registry& registry) {
  registry.add<Real>([](const Real&) { return identity(); });
  registry.add<Positive>([](const Positive&) { return above(0.0); });
  registry.add<SoftplusPositive>([](const SoftplusPositive&) {
    static const TransformPtr softplus = std::make_shared<Softplus>();
    return softplus;
  });
  registry.add<Nonnegative>([](const Nonnegative&) { return above(0.0); });
  registry.add<GreaterThan>([](const GreaterThan& c) { return above(c.lower_bound()); });
  registry.add<GreaterThanEq>([](const GreaterThanEq& c) { return above(c.lower_bound()); });
  registry.add<LessThan>([](const LessThan& c) { return below(c.upper_bound()); });
  registry.add<UnitInterval>([](const UnitInterval&) { return between(0.0, 1.0); });
  registry.add<Interval>(
      [](const Interval& c) { return between(c.lower_bound(), c.upper_bound()); });
  registry.add<HalfOpenInterval>(
      [](const HalfOpenInterval& c) { return between(c.lower_bound(), c.upper_bound()); });
  registry.add<Simplex>([](const Simplex&) { return std::make_shared<StickBreaking>(); });
  registry.add<constraints::CorrCholesky>([](const constraints::CorrCholesky&) {
    return std::make_shared<transforms::CorrCholesky>();
  });
  // Covers real_vector = independent(real, 1).
  registry.add<IndependentConstraint>([](const IndependentConstraint& c) {
    return std::make_shared<IndependentTransform>(biject_to(c.base()),
                                                  c.reinterpreted_batch_ndims());
  });
}

// transform_to's own registrations: maps onto the constraint that are not one-to-one, as
// PyTorch's transform_to.
void add_transforms(Registry& registry) {
  registry.add<Simplex>([](const Simplex&) { return std::make_shared<Softmax>(); });
  registry.add<constraints::LowerCholesky>([](const constraints::LowerCholesky&) {
    return std::make_shared<transforms::LowerCholesky>();
  });
  registry.add<constraints::UnitLowerCholesky>([](const constraints::UnitLowerCholesky&) {
    return std::make_shared<transforms::UnitLowerCholesky>();
  });
  registry.add<constraints::PositiveDefinite>([](const constraints::PositiveDefinite&) {
    return std::make_shared<transforms::PositiveDefinite>();
  });
  registry.add<IndependentConstraint>([](const IndependentConstraint& c) {
    return std::make_shared<IndependentTransform>(transform_to(c.base()),
                                                  c.reinterpreted_batch_ndims());
  });
}

Registry& bijections() {
  static Registry* registry = [] {
    auto* r = new Registry;  // never destroyed: lookups may run during static destruction
    add_bijections(*r);
    return r;
  }();
  return *registry;
}

Registry& transforms() {
  static Registry* registry = [] {
    auto* r = new Registry;  // never destroyed, as bijections()
    add_transforms(*r);
    return r;
  }();
  return *registry;
}

TransformPtr lookup(const Registry& registry, const ConstraintPtr& constraint, const char* what) {
  if (!constraint) throw std::invalid_argument(fmt::format("{}: constraint is null", what));
  if (auto factory = registry.get(typeid(*constraint))) return factory(*constraint);
  throw std::invalid_argument(fmt::format("{}: no transform registered onto constraint '{}'", what,
                                          constraint->to_string()));
}

}  // namespace

TransformPtr biject_to(const ConstraintPtr& constraint) {
  return lookup(bijections(), constraint, "biject_to");
}

TransformPtr transform_to(const ConstraintPtr& constraint) {
  if (constraint) {
    if (auto factory = transforms().get(typeid(*constraint))) return factory(*constraint);
  }
  return lookup(bijections(), constraint, "transform_to");
}

void register_biject_to(std::type_index type, TransformFactory factory) {
  bijections().set(type, std::move(factory));
}

void register_transform_to(std::type_index type, TransformFactory factory) {
  transforms().set(type, std::move(factory));
}

}  // namespace ppl::transforms
