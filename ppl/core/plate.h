#pragma once
// Plates: conditional independence along a batch dim (Pyro's `pyro.plate`).

#include "ppl/core/messenger.h"
#include "ppl/core/scoped_range.h"

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

/// Keeps plates off the dims that parallel enumeration (handlers/enum.h) puts values on: while
/// one is alive in a thread, a plate at `first_available_dim` or left of it, active already or
/// entered later, is std::invalid_argument naming the plate, its dim and the max_plate_nesting /
/// first_available_dim that fits it (instead of a shape mismatch at some later site).
class EnumerationDimsReservation {
 public:
  [[nodiscard]] explicit EnumerationDimsReservation(int64_t first_available_dim);
  ~EnumerationDimsReservation();
  EnumerationDimsReservation(const EnumerationDimsReservation&) = delete;
  EnumerationDimsReservation& operator=(const EnumerationDimsReservation&) = delete;

 private:
  int64_t first_available_dim_;
};

/// Pyro's BroadcastMessenger step: expands the batch shape of a sample site's distribution to
/// the sizes of the vectorized plates in its `cond_indep_stack` (size-1 and missing dims take the
/// plate's size; other dims keep theirs). std::invalid_argument naming the site and the plate
/// when a dim has another size. Leaves param sites, `done` sites and plate subsample sites alone.
void broadcast_to_plates(Message& msg);

/// A sequential plate: `for (int64_t i : ppl::plate_range("loop", n)) {...}` is Python's
/// `for i in pyro.plate("loop", n):`. Sites in iteration i get a frame without a dim and with
/// counter i; they need distinct names. No broadcasting happens.
class plate_range : public ScopedRange<plate_range> {
 public:
  plate_range(std::string name, int64_t size) : ScopedRange(size), name_(std::move(name)) {}
  /// The handler of iteration `index`: adds its frame to every site.
  std::unique_ptr<Messenger> step(int64_t index) const;

 private:
  std::string name_;
};

}  // namespace ppl
