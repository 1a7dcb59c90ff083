#pragma once
// Plates: conditional independence along a batch dim (Pyro's `pyro.plate`).

#include "ppl/core/messenger.h"

#include <torch/arg.h>

#include <optional>
#include <string>

namespace ppl {

struct PlateOptions {
  /// Draw this many indices without replacement each time the plate is entered, and scale
  /// log-probs inside by size / subsample_size.
  TORCH_ARG(std::optional<int64_t>, subsample_size);
  /// The batch dim (negative, from the right); by default the rightmost free one.
  TORCH_ARG(std::optional<int64_t>, dim);
  /// Where the subsample indices live.
  TORCH_ARG(torch::Device, device) = torch::kCPU;
};

/// A vectorized plate: an RAII scope (`ppl::plate data("data", N);` is Python's
/// `with pyro.plate("data", N):`). Every site inside gets this plate's frame and has its
/// distribution broadcast to the plate size at the plate's dim.
class plate : public Messenger {
 public:
  [[nodiscard]] plate(std::string name, int64_t size, PlateOptions options = {});
  [[nodiscard]] plate(std::string name, int64_t size, int64_t dim);
  ~plate() override;

  const std::string& name() const { return frame_.name; }
  int64_t dim() const { return *frame_.dim; }
  int64_t size() const { return frame_.full_size; }
  int64_t subsample_size() const { return frame_.size; }
  /// The indices of this pass: a random subset when subsampling, else 0..size-1.
  const torch::Tensor& indices() const;

  void process_message(Message& msg) override;

 private:
  PlateFrame frame_;
  torch::Device device_;
  mutable torch::Tensor indices_;  // made on first use when not subsampling
};

/// Pyro's BroadcastMessenger step: expands the batch shape of a sample site's distribution to
/// the sizes of the vectorized plates in its `cond_indep_stack` (size-1 and missing dims take the
/// plate's size; other dims keep theirs). std::invalid_argument naming the site and the plate
/// when a dim has another size. Leaves param sites, `done` sites and plate subsample sites alone.
void broadcast_to_plates(Message& msg);

/// A sequential plate: `for (int64_t i : ppl::plate_range("loop", n)) {...}` is Python's
/// `for i in pyro.plate("loop", n):`. Sites in iteration i get a frame without a dim and with
/// counter i; they need distinct names. No broadcasting happens.
class plate_range {
 public:
  plate_range(std::string name, int64_t size) : name_(std::move(name)), size_(size) {}

  class iterator {
   public:
    iterator(const plate_range* range, int64_t index);
    int64_t operator*() const { return index_; }
    iterator& operator++();
    bool operator!=(const iterator& other) const { return index_ != other.index_; }

   private:
    struct Scope;
    const plate_range* range_;
    int64_t index_;
    std::shared_ptr<Scope> scope_;  // the handler active for the current iteration
  };

  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(nullptr, size_); }

 private:
  std::string name_;
  int64_t size_;
};

}  // namespace ppl
