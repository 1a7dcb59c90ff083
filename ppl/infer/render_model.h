#pragma once
// render_model: the graph of a model (its sites, plates and direct dependencies) as Graphviz DOT,
// and as a picture (Pyro's pyro.render_model).
//
// Dependencies are found by intervention, since LibTorch tensors carry no provenance (Pyro's
// ProvenanceTensor) and autograd does not see integer dependencies such as an HMM's
// `transition[x_prev]`. The model runs once under a trace; then once with every held site at its
// traced value (the reference run), and once per source A with A alone given another value: for
// a site with a finite support, the next value of the support elementwise; else a fresh draw from
// its distribution that differs from the traced value. A site B after A gets an edge A -> B when
// B's distribution differs from the reference run's: its shape, or its log-prob at B's reference
// value (for a finite discrete B, at every value of its support), or B is missing. Every other
// source stays held, so edges are direct parents, not ancestors.
//
// Held are the latent sample sites (plate subsample sites too, which are not drawn), except those
// with a Delta distribution: like Pyro's, those are computed, so a site depending on A through
// one depends on A. The sources are the held sites and, with the options, the deterministic
// sites (held, their value moved by a standard normal draw) and the params (their unconstrained
// value moved by a standard normal draw). A torch::nn::Module reads its own parameters rather
// than its param sites (ppl::module), so, as in Pyro, module parameters draw no edges.
//
// Every run is seeded by `RenderOptions::seed`, without gradients. The random state afterwards
// is what it was before, and params the model creates go to a copy of the param store: the
// user's param store and random streams are untouched. Randomness the model draws outside sample
// sites is seeded alike in every run.

#include <torch/arg.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ppl::infer {

struct RenderOptions {
  /// Where to write the picture; the extension chooses the format: .png, .svg, .pdf or .dot.
  /// Empty: nothing is written.
  TORCH_ARG(std::string, filename);
  /// Label each node with its distribution ("z ~ Normal"), and each param with its constraint.
  TORCH_ARG(bool, render_distributions) = false;
  /// Draw the params (those the sample sites depend on) as plain nodes.
  TORCH_ARG(bool, render_params) = false;
  /// Draw the deterministic sites (ppl::deterministic) as dashed nodes.
  TORCH_ARG(bool, render_deterministic) = false;
  /// Seed of the model's runs.
  TORCH_ARG(uint64_t, seed) = 0;
};

enum class NodeKind { sample, deterministic, param };

/// One site of the model.
struct GraphNode {
  std::string name;
  std::string label;  ///< what the picture shows: the name, and with render_distributions more
  NodeKind kind = NodeKind::sample;
  bool is_observed = false;  ///< an observed sample site (drawn shaded)
  std::string distribution;  ///< "Normal" (Independent and masks unwrapped); empty for params
  std::vector<std::string> plates;  ///< the enclosing plates, outermost first
};

/// A plate as drawn: one box per distinct chain of enclosing plates.
struct GraphPlate {
  std::string name;
  int64_t size = 0;
  int64_t full_size = 0;
  std::vector<std::string> enclosing;  ///< the plates around this box, outermost first
};

/// `from`'s value enters `to`'s distribution directly.
struct GraphEdge {
  std::string from;
  std::string to;
  bool operator==(const GraphEdge& other) const { return from == other.from && to == other.to; }
};

/// The sites of a model (program order), its plates and its direct dependencies.
struct ModelGraph {
  std::vector<GraphNode> nodes;
  std::vector<GraphPlate> plates;
  std::vector<GraphEdge> edges;

  /// The node named `name`, or null.
  const GraphNode* node(const std::string& name) const;
  bool has_edge(const std::string& from, const std::string& to) const;
  /// Graphviz DOT text: plates as clusters labelled "name (size)", observed sites filled gray,
  /// latent ones white, deterministic ones dashed, params plain.
  std::string to_dot() const;
};

/// The graph of `run_model` (a model bound to its arguments), as the header comment describes.
/// What the model throws in its first run propagates unchanged.
ModelGraph extract_model_graph(const std::function<void()>& run_model,
                               const RenderOptions& options = {});

/// Writes `graph` to `filename` (.png, .svg, .pdf or .dot): the DOT text goes to the same path
/// with the extension .dot, atomically, and Graphviz's `dot` renders it to the requested format
/// when it is on PATH, after which the .dot file is removed. Returns an empty string when
/// `filename` was written, else (no `dot` on PATH) a message saying how to render the .dot file
/// that was kept. std::invalid_argument for another extension; std::runtime_error naming the
/// file when it cannot be written or `dot` fails.
std::string write_model_graph(const ModelGraph& graph, const std::string& filename);

namespace detail {
/// extract_model_graph, then write_model_graph when options.filename is set, its message (if
/// any) to stderr.
ModelGraph render_model(const std::function<void()>& run_model, const RenderOptions& options);
}  // namespace detail

/// Pyro's `render_model(model, model_args, filename=...)`: the graph of `model(args...)`, written
/// to `options.filename` when that is set (see write_model_graph); when `dot` is missing, the
/// message saying how to render the .dot file goes to stderr.
template <class Model, class... Args>
ModelGraph render_model(const Model& model, const RenderOptions& options, const Args&... args) {
  return detail::render_model([&] { model(args...); }, options);
}

/// With the default options (nothing is written).
template <class Model, class... Args>
ModelGraph render_model(const Model& model, const Args&... args) {
  return render_model(model, RenderOptions(), args...);
}

}  // namespace ppl::infer
