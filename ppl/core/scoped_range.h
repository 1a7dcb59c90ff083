#pragma once
// A loop over 0..size-1 whose every iteration runs inside a handler: the shape of
// `plate_range` and `markov`.

#include "ppl/core/messenger.h"

#include <cstdint>
#include <memory>

namespace ppl {

/// `for (int64_t i : range)` over 0..size-1, with the handler that `Derived::step(i)` returns
/// installed from the start of iteration i until the next increment (or the loop's end, also by
/// `break` or an exception). `Derived` provides
/// `std::unique_ptr<Messenger> step(int64_t index) const`.
template <class Derived>
class ScopedRange {
 public:
  class iterator {
   public:
    iterator(const Derived* range, int64_t index) : range_(range), index_(index) { enter(); }
    int64_t operator*() const { return index_; }
    iterator& operator++() {
      ++index_;
      enter();
      return *this;
    }
    bool operator!=(const iterator& other) const { return index_ != other.index_; }

   private:
    void enter() {
      step_.reset();  // leave the previous step first
      if (range_ && index_ < range_->size()) step_ = range_->step(index_);
    }
    const Derived* range_;
    int64_t index_;
    std::unique_ptr<Messenger> step_;
  };

  explicit ScopedRange(int64_t size) : size_(size) {}
  int64_t size() const { return size_; }
  iterator begin() const { return iterator(static_cast<const Derived*>(this), 0); }
  iterator end() const { return iterator(nullptr, size_); }

 private:
  int64_t size_;
};

}  // namespace ppl
