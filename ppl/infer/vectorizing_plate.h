#pragma once
// The plate that an inference adds left of a program's own plates to run it vectorized
// (particles, predictive samples, chains), and the note its errors get.

#include "ppl/core/plate.h"

#include <string>

namespace ppl::infer {

/// A plate at `dim`, left of the program's plates, that `purpose` ("vectorize_particles")
/// adds to every site. `run(program)` runs the program inside it; an exception escaping the
/// program is rethrown, of the same category, with a note naming this plate, its dim and size,
/// and the last sample site with its batch shape: a program that does not broadcast over the
/// added dim fails there.
class VectorizingPlate : public plate {
 public:
  [[nodiscard]] VectorizingPlate(std::string name, int64_t size, int64_t dim, std::string purpose)
      : plate(std::move(name), size, dim), purpose_(std::move(purpose)) {}

  void postprocess_message(Message& msg) override;

  template <class Program>
  void run(Program&& program) {
    try {
      program();
    } catch (const std::exception& e) {
      rethrow_with_note(e);
    }
  }

 private:
  [[noreturn]] void rethrow_with_note(const std::exception& e) const;

  std::string purpose_;
  std::string last_site_;
  dist::Shape last_batch_shape_;
};

}  // namespace ppl::infer
