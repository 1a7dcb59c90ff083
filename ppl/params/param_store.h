#pragma once
// Pyro's param store: named parameters kept unconstrained, returned constrained.

#include "ppl/distributions/constraints.h"
#include "ppl/distributions/transforms/biject_to.h"
#include "ppl/io/tensor_archive.h"

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ppl {

class ParamStore {
 public:
  /// The constrained value of `name`. On first use the parameter is created from `init()`
  /// (a constrained value) under `constraint`; afterwards `init` is not called.
  /// std::invalid_argument ("param 'w_scale': initial value not in the support positive
  /// (found -1)") when the initial value is outside the support.
  torch::Tensor get_param(const std::string& name, const std::function<torch::Tensor()>& init,
                          const constraints::ConstraintPtr& constraint = constraints::real);
  /// The constrained value of an existing parameter; std::out_of_range naming it otherwise.
  torch::Tensor get(const std::string& name) const;
  /// The unconstrained leaf tensor the optimizer updates.
  const torch::Tensor& unconstrained(const std::string& name) const;
  const constraints::ConstraintPtr& constraint(const std::string& name) const;

  /// Sets `name` to the constrained `value` (replacing any existing parameter);
  /// std::invalid_argument naming it when `value` is not in the constraint's support.
  void set(const std::string& name, const torch::Tensor& value,
           const constraints::ConstraintPtr& constraint = constraints::real);
  /// Stores `parameter` itself (no copy) as an unconstrained real parameter, so updates through
  /// the store reach its owner (how `module` shares storage with a torch::nn::Module).
  void bind(const std::string& name, const torch::Tensor& parameter);

  bool contains(const std::string& name) const { return index_.count(name) > 0; }
  void erase(const std::string& name);
  void clear();
  size_t size() const { return entries_.size(); }
  /// Names in creation order.
  std::vector<std::string> names() const;
  /// (name, unconstrained tensor) in creation order.
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;

  /// Writes every parameter (unconstrained, on CPU) and its constraint to `path` atomically.
  void save(const std::string& path) const;
  /// Reads `path`. Existing parameters are overwritten in place (so modules sharing them see the
  /// new values); std::runtime_error naming the file and parameter on any mismatch.
  void load(const std::string& path);
  /// Adds every parameter to `archive` under `prefix` (for files that hold more than the store).
  void save_to(TensorArchive& archive, const std::string& prefix = "") const;
  /// Reads what `save_to` wrote, as `load` does; errors name `source`.
  void load_from(const TensorArchive& archive, const std::string& prefix,
                 const std::string& source);

 private:
  struct Entry {
    Entry(std::string name, torch::Tensor unconstrained, constraints::ConstraintPtr constraint);
    torch::Tensor constrained() const;

    std::string name;
    torch::Tensor unconstrained;
    constraints::ConstraintPtr constraint;
    transforms::TransformPtr transform;  // transform_to(constraint); null for real
  };
  const Entry& entry(const std::string& name) const;
  /// std::invalid_argument naming the param unless `value` is defined and in `constraint`'s
  /// support (a value outside it would turn into NaN or infinity unconstrained).
  static void check_in_support(const std::string& name, const torch::Tensor& value,
                               const constraints::ConstraintPtr& constraint, const char* what);
  /// Sets `name` to `value` under `constraint`, unchecked.
  void insert(const std::string& name, const torch::Tensor& value,
              const constraints::ConstraintPtr& constraint);

  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

/// The param store that `param` and `module` use in this thread: the global one unless a
/// ParamStoreScope is active.
ParamStore& param_store();

/// Makes `store` the current thread's param store for the scope's lifetime.
class ParamStoreScope {
 public:
  [[nodiscard]] explicit ParamStoreScope(ParamStore& store);
  ~ParamStoreScope();
  ParamStoreScope(const ParamStoreScope&) = delete;
  ParamStoreScope& operator=(const ParamStoreScope&) = delete;

 private:
  ParamStore* previous_;
};

}  // namespace ppl
