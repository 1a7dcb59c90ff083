#include "ppl/core/generator.h"

namespace ppl {
namespace {

c10::optional<at::Generator>& thread_generator() {
  thread_local c10::optional<at::Generator> generator;
  return generator;
}

}  // namespace

GeneratorScope::GeneratorScope(at::Generator generator) : previous_(thread_generator()) {
  thread_generator() = std::move(generator);
}

GeneratorScope::~GeneratorScope() {
  thread_generator() = std::move(previous_);
}

const c10::optional<at::Generator>& current_generator() {
  return thread_generator();
}

}  // namespace ppl
