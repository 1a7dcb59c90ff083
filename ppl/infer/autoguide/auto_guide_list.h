#pragma once
// AutoGuideList: a guide made of parts, each guiding some of the model's latent sites (Pyro's
// AutoGuideList). A part is an autoguide, usually of the model with some sites hidden, or a
// hand-written guide taking the model's arguments:
//
//   AutoGuideList guide(model);
//   guide.append(AutoDiagonalNormal(handlers::block(model, BlockOptions().hide({"z"}))));
//   guide.append([](const torch::Tensor& x) { /* samples "z" */ });
//
// Autoguide parts are renamed "<list name>.<index>" ("AutoGuideList.0.loc"), as in Pyro.

#include "ppl/infer/autoguide/auto_guide.h"

#include <tuple>
#include <type_traits>

namespace ppl::infer {

namespace detail {

template <class F>
inline constexpr bool kAlwaysFalse = false;

/// The parameter types of a callable with one call operator (lambda, function object, function
/// pointer, std::function) as a tuple. A generic lambda has none to read: a static_assert says so.
template <class F, class = void>
struct ParametersOf {
  static_assert(kAlwaysFalse<F>,
                "AutoGuideList cannot deduce the model's parameter types from a generic lambda "
                "or an overloaded call operator: write the parameter types "
                "([](const torch::Tensor& x) {...}) or name them: "
                "AutoGuideList<std::function<void(const torch::Tensor&)>> guide(model)");
  using type = std::tuple<>;
};
template <class F>
struct ParametersOf<F, std::void_t<decltype(&F::operator())>>
    : ParametersOf<decltype(&F::operator())> {};
template <class R, class... A>
struct ParametersOf<R (*)(A...)> {
  using type = std::tuple<A...>;
};
template <class R, class... A>
struct ParametersOf<R(A...)> : ParametersOf<R (*)(A...)> {};
template <class R, class C, class... A>
struct ParametersOf<R (C::*)(A...)> : ParametersOf<R (*)(A...)> {};
template <class R, class C, class... A>
struct ParametersOf<R (C::*)(A...) const> : ParametersOf<R (*)(A...)> {};

template <class T, class = void>
struct IsAutoGuide : std::false_type {};
template <class T>
struct IsAutoGuide<T, std::void_t<decltype(std::declval<T&>().impl()->median())>> : std::true_type {
};

template <class Parameters>
class AutoGuideList;

/// The list for a model taking `Args...`.
template <class... Args>
class AutoGuideList<std::tuple<Args...>> {
 public:
  explicit AutoGuideList(std::string name) : state_(std::make_shared<State>()) {
    state_->name = std::move(name);
  }

  /// Adds a part: an autoguide (renamed "<name>.<index>"; std::logic_error if it has already
  /// run or is in a list) or a callable taking the model's arguments, returning nothing or the
  /// values it sampled.
  template <class Part>
  AutoGuideList& append(Part part) {
    Entry entry;
    if constexpr (IsAutoGuide<Part>::value) {
      std::shared_ptr<AutoGuideImpl> impl = part.impl();
      for (const Entry& other : state_->parts)
        if (other.autoguide == impl)
          throw std::logic_error(state_->name + ": this autoguide is already in the list");
      impl->set_name(state_->name + "." + std::to_string(state_->parts.size()));
      entry.autoguide = impl;
      entry.run = [part](Args... args) mutable { return part(args...); };
      entry.setup = [part](Args... args) mutable { part.setup(args...); };
    } else if constexpr (!std::is_invocable_v<Part&, Args...>) {
      static_assert(kAlwaysFalse<Part>,
                    "AutoGuideList::append: the part cannot be called with the model's arguments; "
                    "write a part that takes them ([](const torch::Tensor& x) {...})");
    } else {
      entry.run = [part](Args... args) mutable -> TensorDict {
        if constexpr (std::is_void_v<std::invoke_result_t<Part&, Args...>>) {
          part(args...);
          return {};
        } else {
          return TensorDict(part(args...));
        }
      };
    }
    state_->parts.push_back(std::move(entry));
    return *this;
  }

  /// Runs every part in order; the values they sampled, by site name.
  TensorDict operator()(Args... args) const {
    TensorDict result;
    for (const Entry& part : state_->parts) result.merge(part.run(args...));
    return result;
  }
  /// The autoguide parts' medians (hand-written parts give none, as in Pyro).
  TensorDict median(Args... args) const {
    TensorDict result;
    for (const Entry& part : state_->parts)
      if (part.autoguide) {
        part.setup(args...);
        result.merge(part.autoguide->median());
      }
    return result;
  }
  TensorDict quantiles(const std::vector<double>& quantiles, Args... args) const {
    TensorDict result;
    for (const Entry& part : state_->parts)
      if (part.autoguide) {
        part.setup(args...);
        result.merge(part.autoguide->quantiles(quantiles));
      }
    return result;
  }
  size_t size() const { return state_->parts.size(); }
  const std::string& name() const { return state_->name; }

 private:
  struct Entry {
    std::function<TensorDict(Args...)> run;
    std::function<void(Args...)> setup;
    std::shared_ptr<AutoGuideImpl> autoguide;  // null for a hand-written part
  };
  struct State {
    std::string name;
    std::vector<Entry> parts;
  };
  std::shared_ptr<State> state_;  // copies share the parts, as autoguides do
};

}  // namespace detail

/// `AutoGuideList guide(model)`: the parts take the model's arguments (read from its call
/// operator; for a generic model name them: `AutoGuideList<std::function<void(const
/// torch::Tensor&)>>`).
template <class Model>
class AutoGuideList : public detail::AutoGuideList<typename detail::ParametersOf<Model>::type> {
 public:
  explicit AutoGuideList(const Model& /*model*/, std::string name = "AutoGuideList")
      : detail::AutoGuideList<typename detail::ParametersOf<Model>::type>(std::move(name)) {}
};
template <class Model>
AutoGuideList(Model) -> AutoGuideList<Model>;
template <class Model>
AutoGuideList(Model, std::string) -> AutoGuideList<Model>;

}  // namespace ppl::infer
