#pragma once
// `biject_to(constraint)` and `transform_to(constraint)`: registries of transforms from
// unconstrained reals onto a constraint's space (PyTorch's
// `torch.distributions.constraint_registry`).
//
// biject_to gives a bijection (what autoguides and HMC need: the unconstrained space has exactly
// the right dimension); transform_to may give a map that is only onto (softmax for simplex,
// for instance) and is what the param store uses, as Pyro's. A user adds a constraint with
//
//   ppl::transforms::register_biject_to<MyConstraint>(
//       [](const MyConstraint& c) { return std::make_shared<MyTransform>(c.bound()); });

#include "ppl/distributions/transforms/transform.h"

#include <functional>
#include <typeindex>

namespace ppl::transforms {

/// A transform onto the space of a constraint, given the constraint.
using TransformFactory = std::function<TransformPtr(const constraints::Constraint&)>;

/// The bijection from unconstrained reals onto `constraint`'s space; std::invalid_argument naming
/// the constraint when none is registered for its exact type.
TransformPtr biject_to(const constraints::ConstraintPtr& constraint);
/// A transform from unconstrained reals onto `constraint`'s space (not necessarily bijective);
/// falls back to biject_to's when transform_to has none for the type.
TransformPtr transform_to(const constraints::ConstraintPtr& constraint);

/// Registers `factory` for constraints of exactly `type` (no lookup through base classes),
/// replacing an earlier registration. Safe to call from any thread.
void register_biject_to(std::type_index type, TransformFactory factory);
void register_transform_to(std::type_index type, TransformFactory factory);

/// Registers `factory(const C&)` for constraints of exactly type C.
template <class C, class Factory>
void register_biject_to(Factory factory) {
  register_biject_to(typeid(C), [factory](const constraints::Constraint& c) {
    return TransformPtr(factory(static_cast<const C&>(c)));
  });
}
template <class C, class Factory>
void register_transform_to(Factory factory) {
  register_transform_to(typeid(C), [factory](const constraints::Constraint& c) {
    return TransformPtr(factory(static_cast<const C&>(c)));
  });
}

}  // namespace ppl::transforms
