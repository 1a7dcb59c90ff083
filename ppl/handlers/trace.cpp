#include "ppl/handlers/trace.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ppl::handlers {
namespace {

/// Marks an exception that already says in which program it happened.
struct InProgram {};

template <class Base>
struct InProgramError : Base, InProgram {
  using Base::Base;
};

/// A LibTorch error's message without the C++ stack trace that LibTorch appends.
std::string without_cpp_frames(const char* what) {
  std::string text = what;
  const auto frames = text.find("\nException raised from ");
  if (frames != std::string::npos) text.erase(frames);
  return text;
}

std::string where(const std::string& program, const Trace& trace) {
  if (trace.empty()) return fmt::format("{} failed before its first site", program);
  const Site& last = trace.sites().back();
  return fmt::format("{} failed after {} site '{}'", program, to_string(last.type), last.name);
}

}  // namespace

void rethrow_in_program(const std::string& program, const Trace& trace) {
  const auto message = [&](const char* what) {
    return fmt::format("{}: {}\n{} trace:\n{}", where(program, trace), without_cpp_frames(what),
                       program, trace.format_shapes());
  };
  try {
    throw;
  } catch (const InProgram&) {
    throw;
  } catch (const std::exception& e) {
    const std::string text = message(e.what());
    if (dynamic_cast<const std::invalid_argument*>(&e))
      throw InProgramError<std::invalid_argument>(text);
    if (dynamic_cast<const std::out_of_range*>(&e)) throw InProgramError<std::out_of_range>(text);
    if (dynamic_cast<const std::logic_error*>(&e)) throw InProgramError<std::logic_error>(text);
    throw InProgramError<std::runtime_error>(text);
  }
}

}  // namespace ppl::handlers
