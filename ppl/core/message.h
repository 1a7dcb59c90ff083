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

enum class MessageType { sample, param };

std::string to_string(MessageType type);

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
  /// The site where a subsampled plate draws its indices: not a latent of the model, no
  /// log-prob to speak of, never broadcast or batched.
  bool is_subsample = false;
  /// Parallel enumeration (handlers/enum.h): the enumeration dims that this site's value and
  /// log-prob may vary along, each with the enumerated site whose values lie along it (Pyro's
  /// `_dim_to_id`). Empty when nothing is enumerated.
  std::map<int64_t, std::string> enum_dims;
  /// The sites that enclosing `markov` steps make visible to this one; nullopt outside every
  /// markov context.
  std::optional<std::vector<std::string>> markov_scope;

  // Param sites: how to create the parameter when the param store has no such name.
  std::function<torch::Tensor()> param_init;  ///< the initial (constrained) value
  constraints::ConstraintPtr constraint;
};

}  // namespace ppl
