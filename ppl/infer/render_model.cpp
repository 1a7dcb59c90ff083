#include "ppl/infer/render_model.h"

#include "ppl/core/generator.h"
#include "ppl/core/messenger.h"
#include "ppl/core/trace.h"
#include "ppl/distributions/delta.h"
#include "ppl/handlers/seed.h"
#include "ppl/handlers/trace.h"
#include "ppl/io/file_io.h"
#include "ppl/params/param_store.h"

#include <fmt/format.h>

#include <spawn.h>
#include <sys/wait.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <unordered_set>

extern char** environ;

namespace ppl::infer {
namespace {

// ---- The graph: one traced run, a reference run, and one run per source moved. ----

const dist::Distribution& unwrapped(const dist::Distribution& fn) {
  if (const auto* independent = dynamic_cast<const dist::Independent*>(&fn))
    return unwrapped(*independent->base());
  if (const auto* masked = dynamic_cast<const dist::MaskedDistribution*>(&fn))
    return unwrapped(*masked->base());
  return fn;
}

/// A site of ppl::deterministic.
bool from_deterministic(const Site& site) {
  const auto it = site.infer.find("_deterministic");
  return it != site.infer.end() && std::get<bool>(it->second);
}

/// Whether the runs after the first hold `site` at its traced value.
bool is_held(const Site& site, const RenderOptions& options) {
  if (!site.is_sample()) return false;
  if (from_deterministic(site)) return options.render_deterministic();
  return !site.is_observed && !dynamic_cast<const dist::Delta*>(&unwrapped(*site.fn));
}

bool is_source(const Site& site, const RenderOptions& options) {
  if (site.type == MessageType::param) return options.render_params();
  return is_held(site, options) && site.value.numel() > 0;
}

/// Gives each site named in `values` that value (sample sites, observed or not, and params).
class HoldMessenger : public Messenger {
 public:
  [[nodiscard]] explicit HoldMessenger(const TensorDict& values) : values_(values) {}
  void process_message(Message& msg) override {
    const auto it = values_.find(msg.name);
    if (it == values_.end()) return;
    msg.value = it->second;
    msg.done = true;
  }

 private:
  const TensorDict& values_;
};

/// One seeded run of `model` with the sites named in `held` at their values.
Trace run_holding(const std::function<void()>& model, const TensorDict& held, uint64_t seed) {
  handlers::SeedMessenger seeded(seed);
  handlers::TraceMessenger tracer;
  HoldMessenger holder(held);
  model();
  return std::move(tracer.trace());
}

torch::Tensor standard_normal_like(const torch::Tensor& tensor) {
  return torch::randn(tensor.sizes(), current_generator(), tensor.options());
}

/// Each element of `value` replaced by the next value of `fn`'s finite support; undefined when
/// the support has one value or `value` is not shaped as fn's batch and event.
torch::Tensor next_in_support(const dist::Distribution& fn, const torch::Tensor& value) {
  const auto support = fn.enumerate_support(/*expand=*/true);  // (n,) + batch + event
  const int64_t n = support.size(0);
  if (n < 2 || support.sizes().slice(1) != value.sizes()) return {};
  auto matches = support == value.unsqueeze(0);
  if (fn.event_dim() > 0) matches = matches.flatten(-fn.event_dim()).all(-1);  // (n,) + batch
  const auto next = (matches.to(torch::kLong).argmax(0) + 1) % n;
  std::vector<int64_t> index_shape(next.sizes().begin(), next.sizes().end());
  index_shape.insert(index_shape.begin(), 1);
  index_shape.insert(index_shape.end(), fn.event_dim(), 1);
  const auto index = next.reshape(index_shape).expand_as(support.narrow(0, 0, 1));
  return support.gather(0, index).squeeze(0);
}

/// A value of `site` other than its traced one (see the header), or undefined if none is found.
torch::Tensor moved_value(const Site& site, const ParamStore& store) {
  if (!site.is_sample()) {
    const auto& unconstrained = store.unconstrained(site.name);
    return transforms::transform_to(store.constraint(site.name))
        ->forward(unconstrained + standard_normal_like(unconstrained));
  }
  const auto& value = site.value;
  if (from_deterministic(site)) {
    if (value.is_floating_point()) return value + standard_normal_like(value);
    return value.scalar_type() == torch::kBool ? value.logical_not() : value + 1;
  }
  if (site.fn->has_enumerate_support()) {
    auto next = next_in_support(*site.fn, value);
    if (next.defined()) return next;
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto draw = site.fn->sample({}, current_generator());
    if (!torch::equal(draw, value)) return draw;
  }
  return {};
}

/// Equal shapes and elements, NaN equal to NaN.
bool same_values(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && ((a == b) | (a.isnan() & b.isnan())).all().item<bool>();
}

/// Whether the distribution of `changed` (the site in another run; null if that run had none)
/// differs from `reference`'s, probed at the reference value or over a finite support.
bool distribution_changed(const Site& reference, const Site* changed) {
  if (!changed || !changed->is_sample()) return true;
  const auto& before = *reference.fn;
  const auto& after = *changed->fn;
  if (before.batch_shape() != after.batch_shape() || before.event_shape() != after.event_shape())
    return true;
  const auto probe =
      before.has_enumerate_support() ? before.enumerate_support(/*expand=*/false) : reference.value;
  try {
    return !same_values(before.log_prob(probe), after.log_prob(probe));
  } catch (const std::exception&) {
    return true;  // the new distribution rejects the value
  }
}

std::string node_label(const GraphNode& node, const ParamStore& store, bool with_distribution) {
  if (!with_distribution) return node.name;
  if (node.kind == NodeKind::param)
    return node.name + " : " + store.constraint(node.name)->to_string();
  return node.name + " ~ " + node.distribution;
}

/// The nodes and plates of `trace`, without edges; params are left to the caller.
ModelGraph nodes_and_plates(const Trace& trace, const ParamStore& store,
                            const RenderOptions& options) {
  ModelGraph graph;
  for (const Site& site : trace.sites()) {
    if (site.type == MessageType::subsample) continue;
    GraphNode node;
    node.name = site.name;
    if (site.is_sample()) {
      const bool deterministic = from_deterministic(site);
      if (deterministic && !options.render_deterministic()) continue;
      node.kind = deterministic ? NodeKind::deterministic : NodeKind::sample;
      node.is_observed = site.is_observed && !deterministic;
      node.distribution = unwrapped(*site.fn).name();
      for (const PlateFrame& frame : site.cond_indep_stack) {
        const auto enclosing = node.plates;
        node.plates.push_back(frame.name);
        const bool known = std::any_of(graph.plates.begin(), graph.plates.end(), [&](auto& p) {
          return p.name == frame.name && p.enclosing == enclosing;
        });
        if (!known) graph.plates.push_back({frame.name, frame.size, frame.full_size, enclosing});
      }
    } else if (!options.render_params()) {
      continue;
    } else {
      node.kind = NodeKind::param;
    }
    node.label = node_label(node, store, options.render_distributions());
    graph.nodes.push_back(std::move(node));
  }
  return graph;
}

// ---- DOT ----

std::string dot_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string node_attributes(const GraphNode& node) {
  switch (node.kind) {
    case NodeKind::param:
      return "shape=plain";
    case NodeKind::deterministic:
      return "shape=ellipse style=\"filled,dashed\" fillcolor=white";
    case NodeKind::sample:
      break;
  }
  return fmt::format("shape=ellipse style=filled fillcolor={}",
                     node.is_observed ? "gray" : "white");
}

/// The nodes directly inside the plates `path` (outermost first), then its inner plates.
void write_cluster_contents(const ModelGraph& graph, const std::vector<std::string>& path,
                            const std::string& indent, std::string& out) {
  for (const GraphNode& node : graph.nodes) {
    if (node.plates == path)
      out += fmt::format("{}{} [label={} {}]\n", indent, dot_string(node.name),
                         dot_string(node.label), node_attributes(node));
  }
  for (const GraphPlate& plate : graph.plates) {
    if (plate.enclosing != path) continue;
    auto inner = path;
    inner.push_back(plate.name);
    std::string id = "cluster";
    for (const auto& name : inner) id += "_" + name;
    const auto size = plate.size == plate.full_size
                          ? std::to_string(plate.size)
                          : fmt::format("{} of {}", plate.size, plate.full_size);
    out += fmt::format("{}subgraph {} {{\n{}  label={} labeljust=r labelloc=b\n", indent,
                       dot_string(id), indent, dot_string(plate.name + " (" + size + ")"));
    write_cluster_contents(graph, inner, indent + "  ", out);
    out += indent + "}\n";
  }
}

// ---- Rendering ----

/// Runs Graphviz's dot; false when it is not on PATH.
bool run_dot(const std::string& format, const std::string& input, const std::string& output) {
  std::vector<std::string> arguments{"dot", "-T" + format, input, "-o", output};
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int error = ::posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ);
  if (error == ENOENT) return false;
  if (error != 0)
    throw std::runtime_error(fmt::format("render_model: cannot run dot to render '{}': {}", output,
                                         std::strerror(error)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error(fmt::format("render_model: waiting for dot to render '{}': {}",
                                           output, std::strerror(errno)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format("render_model: dot failed ({} {}) rendering '{}' to '{}'",
                                         WIFEXITED(status) ? "exit status" : "signal",
                                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                                         input, output));
  return true;
}

}  // namespace

const GraphNode* ModelGraph::node(const std::string& name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

bool ModelGraph::has_edge(const std::string& from, const std::string& to) const {
  return std::find(edges.begin(), edges.end(), GraphEdge{from, to}) != edges.end();
}

std::string ModelGraph::to_dot() const {
  std::string out = "digraph {\n";
  write_cluster_contents(*this, {}, "  ", out);
  for (const GraphEdge& edge : edges)
    out += fmt::format("  {} -> {}\n", dot_string(edge.from), dot_string(edge.to));
  return out + "}\n";
}

ModelGraph extract_model_graph(const std::function<void()>& run_model,
                               const RenderOptions& options) {
  torch::NoGradGuard no_grad;
  ParamStore store = param_store();  // a copy: params the model creates stay out of the user's
  ParamStoreScope store_scope(store);
  handlers::SeedMessenger seeded(options.seed());  // the moved values' draws, then restored

  const Trace traced = run_holding(run_model, {}, options.seed());
  TensorDict held;
  for (const Site& site : traced.sites())
    if (is_held(site, options)) held[site.name] = site.value;
  const Trace reference = run_holding(run_model, held, options.seed());

  ModelGraph graph = nodes_and_plates(reference, store, options);
  std::unordered_set<std::string> targets;
  for (const GraphNode& node : graph.nodes)
    if (node.kind != NodeKind::param) targets.insert(node.name);
  const auto& sites = reference.sites();
  for (size_t i = 0; i < sites.size(); ++i) {
    if (!is_source(sites[i], options)) continue;
    const auto moved = moved_value(sites[i], store);
    if (!moved.defined()) continue;
    TensorDict intervention = held;
    intervention[sites[i].name] = moved;
    Trace changed;
    try {
      changed = run_holding(run_model, intervention, options.seed());
    } catch (const std::exception& error) {
      throw std::runtime_error(
          fmt::format("render_model: the model failed when site '{}' was given another value: {}",
                      sites[i].name, error.what()));
    }
    for (size_t j = i + 1; j < sites.size(); ++j) {
      if (targets.count(sites[j].name) &&
          distribution_changed(sites[j], changed.find(sites[j].name)))
        graph.edges.push_back({sites[i].name, sites[j].name});
    }
  }
  // Params are drawn only where a site depends on them, as Pyro's.
  auto unused_param = [&](const GraphNode& node) {
    return node.kind == NodeKind::param &&
           std::none_of(graph.edges.begin(), graph.edges.end(),
                        [&](const GraphEdge& edge) { return edge.from == node.name; });
  };
  graph.nodes.erase(std::remove_if(graph.nodes.begin(), graph.nodes.end(), unused_param),
                    graph.nodes.end());
  return graph;
}

std::string write_model_graph(const ModelGraph& graph, const std::string& filename) {
  const std::string extension = std::filesystem::path(filename).extension().string();
  if (extension != ".png" && extension != ".svg" && extension != ".pdf" && extension != ".dot")
    throw std::invalid_argument(fmt::format(
        "render_model: filename '{}': expected the extension .png, .svg, .pdf or .dot, found '{}'",
        filename, extension));
  const std::string dot_file = std::filesystem::path(filename).replace_extension(".dot").string();
  const std::string text = graph.to_dot();
  try {
    write_file_atomically(dot_file, std::vector<char>(text.begin(), text.end()));
  } catch (const std::runtime_error& error) {
    throw std::runtime_error(fmt::format("render_model: writing '{}': {}", filename, error.what()));
  }
  if (extension == ".dot") return "";
  const std::string format = extension.substr(1);
  if (!run_dot(format, dot_file, filename))
    return fmt::format(
        "render_model: Graphviz's dot is not on PATH, so the graph is in '{0}'; render it with "
        "`dot -T{1} {0} -o {2}` (Graphviz: apt-get install graphviz)",
        dot_file, format, filename);
  std::filesystem::remove(dot_file);
  return "";
}

namespace detail {

ModelGraph render_model(const std::function<void()>& run_model, const RenderOptions& options) {
  ModelGraph graph = extract_model_graph(run_model, options);
  if (!options.filename().empty()) {
    const std::string message = write_model_graph(graph, options.filename());
    if (!message.empty()) std::cerr << message << '\n';
  }
  return graph;
}

}  // namespace detail
}  // namespace ppl::infer
