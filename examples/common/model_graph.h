#pragma once
// --render-model FILE: the examples draw their model's graph (ppl::infer::render_model) and exit.

#include <ppl/infer/render_model.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

namespace ppl::examples {

inline void add_render_model_option(CLI::App& app, std::string& filename) {
  app.add_option("--render-model", filename,
                 "Draw the model's graph (sites, plates, dependencies) to FILE and exit: .png, "
                 ".svg or .pdf with Graphviz's dot, else .dot");
}

/// Draws `model(args...)`'s graph as `options` say, distributions labelled; the program's exit
/// status: 0, or 1 after printing the error.
template <class Model, class... Args>
int render_model_to(infer::RenderOptions options, const Model& model, const Args&... args) {
  try {
    infer::render_model(model, options.render_distributions(true), args...);
  } catch (const std::exception& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return 1;
  }
  return 0;
}

}  // namespace ppl::examples
