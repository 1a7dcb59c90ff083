#pragma once
// Which random generator ppl's own draws use in the current thread.

#include <ATen/core/Generator.h>
#include <c10/util/Optional.h>

namespace ppl {

/// Makes `generator` the one that sample sites' default draws and plate subsampling use in
/// this thread for the scope's lifetime (scopes nest). Without a scope they use LibTorch's
/// default generator, which every thread shares: give each thread its own generator to make
/// concurrent runs reproducible.
class GeneratorScope {
 public:
  [[nodiscard]] explicit GeneratorScope(at::Generator generator);
  ~GeneratorScope();
  GeneratorScope(const GeneratorScope&) = delete;
  GeneratorScope& operator=(const GeneratorScope&) = delete;

 private:
  c10::optional<at::Generator> previous_;
};

/// The current thread's generator for ppl's draws; nullopt means LibTorch's default.
const c10::optional<at::Generator>& current_generator();

}  // namespace ppl
