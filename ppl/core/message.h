#pragma once
// The message that every effectful call (sample, param, ...) sends through the handler stack.

#include "ppl/distributions/constraints.h"
#include "ppl/distributions/distribution.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace ppl {

/// One enclosing plate as seen by a site (Pyro's CondIndepStackFrame).
struct PlateFrame {
  std::string name;
  std::optional<int64_t> dim;  ///< batch dim counted from the right; nullopt for sequential plates
  int64_t size = 0;            ///< subsample size (the size the site sees)
  int64_t full_size = 0;       ///< size of the whole data set
  int64_t counter = 0;         ///< iteration index of a sequential plate
  bool vectorized() const { return dim.has_value(); }
};

/// Values by site name, for handlers such as condition, substitute and do.
using TensorDict = std::unordered_map<std::string, torch::Tensor>;

/// One per-site inference option. A string literal is a std::string
/// (`InferDict{{"enumerate", "parallel"}}`), never the bool that a `const char*` converts to
/// under a C++17 standard library without P0608.
struct InferValue : std::variant<bool, int64_t, double, std::string, torch::Tensor> {
  using variant::variant;
  InferValue() = default;
  InferValue(const char* text) : variant(std::string(text)) {}
};
/// Per-site inference options (Pyro's `infer` dict): "is_auxiliary", "was_observed", "obs"...
using InferDict = std::map<std::string, InferValue>;

/// `subsample`: the site where a subsampled plate draws its indices. Not a latent of the model,
/// no log-prob to speak of, never broadcast or batched; replay gives it the recorded indices.
enum class MessageType { sample, param, subsample };

std::string to_string(MessageType type);

/// A sample site's record of parallel enumeration, written by the enumeration handlers.
struct Enumeration {
  /// The dim along which this site's own values lie, when it is enumerated in parallel.
  std::optional<int64_t> dim;
  /// The enumeration dims this site's value and log-prob may vary along, each with the
  /// enumerated site whose values lie along it (Pyro's `_dim_to_id`).
  std::map<int64_t, std::string> dims;
  /// The sites that enclosing `markov` steps make visible to this one; nullopt outside every
  /// markov context.
  std::optional<std::vector<std::string>> markov_scope;
};

struct Message {
  MessageType type = MessageType::sample;
  std::string name;
  torch::Tensor value;
  bool done = false;  ///< value final: no default draw
  bool stop = false;  ///< handlers further out do not see this message

  // Sample sites.
  /// The distribution. Handlers may replace it (plates broadcast it).
  dist::DistributionPtr fn;
  bool is_observed = false;
  double scale = 1.0;
  torch::Tensor mask;  ///< boolean, broadcast against the log-prob; undefined = keep all
  std::vector<PlateFrame> cond_indep_stack;  ///< outermost plate first
  InferDict infer;
  /// What enumeration (handlers/enum.h, handlers/markov.h) records; nullopt outside it.
  std::optional<Enumeration> enumeration;
  /// `enumeration`, created empty when absent.
  Enumeration& enumeration_record() { return enumeration ? *enumeration : enumeration.emplace(); }

  // Param sites: how to create the parameter when the param store has no such name.
  std::function<torch::Tensor()> param_init;  ///< the initial (constrained) value
  constraints::ConstraintPtr constraint;
};

}  // namespace ppl
