#include "ppl/infer/contract.h"

#include "ppl/handlers/enum.h"
#include "ppl/infer/kernels/factor_loops.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/csrc/autograd/functions/utils.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <stdexcept>

namespace ppl::infer {
namespace {

using Plates = std::set<std::string>;

int64_t index_of(const std::vector<FactorDim>& dims, const FactorDim& dim) {
  auto it = std::find(dims.begin(), dims.end(), dim);
  return it == dims.end() ? -1 : static_cast<int64_t>(it - dims.begin());
}

FactorDim site_dim(const std::string& name) {
  return FactorDim{name, false, 0};
}

/// Whether `tensors` may go through plain loops: small CPU tensors whose result needs no
/// autograd graph.
bool loops_serve(const std::vector<torch::Tensor>& tensors, int64_t result_numel) {
  if (torch::GradMode::is_enabled() &&
      std::any_of(tensors.begin(), tensors.end(),
                  [](const torch::Tensor& t) { return t.requires_grad(); }))
    return false;
  return kernels::small_factors(tensors, result_numel);
}

/// The strides that lay `tensor`, over `dims`, out over `order` (0 along a dim it lacks).
std::vector<int64_t> strides_along(const torch::Tensor& tensor, const std::vector<FactorDim>& dims,
                                   const std::vector<FactorDim>& order) {
  std::vector<int64_t> strides;
  for (const FactorDim& dim : order) {
    const int64_t index = index_of(dims, dim);
    strides.push_back(index >= 0 ? tensor.stride(index) : 0);
  }
  return strides;
}

/// `factor` with dim `index` reduced by the semiring.
Factor reduce(Factor factor, int64_t index, Semiring semiring) {
  if (loops_serve({factor.log_value}, factor.log_value.numel()))
    factor.log_value =
        kernels::reduce_along(factor.log_value.contiguous(), index, semiring == Semiring::max);
  else
    factor.log_value = semiring == Semiring::sum ? torch::logsumexp(factor.log_value, index)
                                                 : std::get<0>(torch::max(factor.log_value, index));
  factor.dims.erase(factor.dims.begin() + index);
  return factor;
}

/// The enumerated sites among `factor`'s dims that are in `sites`.
std::vector<std::string> sites_in(const Factor& factor, const std::set<std::string>& sites) {
  std::vector<std::string> found;
  for (const FactorDim& dim : factor.dims)
    if (!dim.is_plate && sites.count(dim.name)) found.push_back(dim.name);
  return found;
}

/// Groups `factors` into connected components of shared sites of `sites` (union-find), in the
/// order of their first factor; each with the sites it holds.
std::vector<std::pair<std::vector<Factor>, std::set<std::string>>> components(
    std::vector<Factor> factors, const std::set<std::string>& sites) {
  std::vector<size_t> parent(factors.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto root = [&](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  std::map<std::string, size_t> owner;
  for (size_t i = 0; i < factors.size(); ++i) {
    for (const std::string& site : sites_in(factors[i], sites)) {
      auto [it, fresh] = owner.emplace(site, i);
      if (!fresh) parent[root(i)] = root(it->second);
    }
  }
  std::vector<std::pair<std::vector<Factor>, std::set<std::string>>> groups;
  std::map<size_t, size_t> group_of_root;
  for (size_t i = 0; i < factors.size(); ++i) {
    auto [it, fresh] = group_of_root.emplace(root(i), groups.size());
    if (fresh) groups.emplace_back();
    auto& group = groups[it->second];
    for (const std::string& site : sites_in(factors[i], sites)) group.second.insert(site);
    group.first.push_back(std::move(factors[i]));
  }
  return groups;
}

bool is_strict_subset(const Plates& a, const Plates& b) {
  return a.size() < b.size() && std::includes(b.begin(), b.end(), a.begin(), a.end());
}

/// `factor` moved from its plates to `parent`: a product (sum of logs) over the plate dims of
/// the plates it leaves.
Factor product_over_plates(Factor factor, const Plates& parent) {
  for (int64_t i = static_cast<int64_t>(factor.dims.size()) - 1; i >= 0; --i) {
    const FactorDim& dim = factor.dims[i];
    if (dim.is_plate && !parent.count(dim.name)) {
      factor.log_value = factor.log_value.sum(i);
      factor.dims.erase(factor.dims.begin() + i);
    }
  }
  factor.plates = parent;
  return factor;
}

/// The sum (in log space, so the product) of `factors`, over the union of their dims.
Factor combine(const std::vector<Factor>& factors) {
  if (factors.size() == 1) return factors[0];
  Factor result;
  for (const Factor& factor : factors) {
    for (const FactorDim& dim : factor.dims)
      if (!result.has(dim)) result.dims.push_back(dim);
    result.plates.insert(factor.plates.begin(), factor.plates.end());
  }
  std::vector<torch::Tensor> parts;
  std::vector<std::vector<int64_t>> strides;
  std::vector<int64_t> sizes(result.dims.size(), 1);
  for (const Factor& factor : factors) {
    parts.push_back(factor.log_value);
    strides.push_back(strides_along(factor.log_value, factor.dims, result.dims));
    for (size_t i = 0; i < factor.dims.size(); ++i)
      sizes[index_of(result.dims, factor.dims[i])] = factor.log_value.size(i);
  }
  if (loops_serve(parts, c10::multiply_integers(sizes))) {
    result.log_value = kernels::broadcast_sum(parts, strides, sizes);
    return result;
  }
  for (const Factor& factor : factors) {
    torch::Tensor term = factor.aligned(result.dims);
    result.log_value = result.log_value.defined() ? result.log_value + term : term;
  }
  if (!result.log_value.defined()) result.log_value = torch::zeros({});
  return result;
}

}  // namespace

bool Factor::has(const FactorDim& dim) const {
  return index_of(dims, dim) >= 0;
}

torch::Tensor Factor::aligned(const std::vector<FactorDim>& order) const {
  std::vector<int64_t> permutation;
  for (const FactorDim& dim : order) {
    const int64_t index = index_of(dims, dim);
    if (index >= 0) permutation.push_back(index);
  }
  torch::Tensor result = log_value.permute(permutation);
  for (size_t i = 0; i < order.size(); ++i)
    if (!has(order[i])) result = result.unsqueeze(static_cast<int64_t>(i));
  return result;
}

Factor site_factor(const Site& site, const torch::Tensor& log_prob, const Trace& trace) {
  Factor factor;
  for (const PlateFrame& frame : site.cond_indep_stack)
    if (frame.vectorized()) factor.plates.insert(frame.name);
  const int64_t rank = log_prob.dim();
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t size = log_prob.size(i);
    if (size == 1) continue;
    const int64_t dim = i - rank;
    auto frame = std::find_if(site.cond_indep_stack.begin(), site.cond_indep_stack.end(),
                              [&](const PlateFrame& f) { return f.dim == dim; });
    if (frame != site.cond_indep_stack.end()) {
      factor.dims.push_back({frame->name, true, size});
      continue;
    }
    const auto& enumerated_dims = handlers::enumeration_dims(site);
    auto enumerated = enumerated_dims.find(dim);
    if (enumerated == enumerated_dims.end()) {
      throw std::runtime_error(fmt::format(
          "sample site '{}': its log_prob varies along dim {} (size {}), which is neither one of "
          "its plates nor the dim of an enumerated site it can see; put the batched tensor in a "
          "plate, raise max_plate_nesting, or declare the dependence with ppl::markov\n{}",
          site.name, dim, size, trace.format_shapes()));
    }
    factor.dims.push_back({enumerated->second, false, size});
  }
  factor.log_value =
      factor.dims.size() == static_cast<size_t>(rank) ? log_prob : log_prob.squeeze();
  return factor;
}

namespace {

/// One elimination: the factors in slots `parts` combined into `joint`, which is reduced along
/// the dim of `site` into slot `result`.
struct EliminationStep {
  std::string site;
  std::vector<size_t> parts;
  Factor joint;
  size_t result;
};

/// What an elimination did: its slots (the input factors, then each step's result, in order),
/// its steps, and the slots left at the end, which combine into the result.
struct EliminationTape {
  std::vector<Factor> slots;
  std::vector<EliminationStep> steps;
  std::vector<size_t> rest;
};

/// Reduces the sites of `eliminate` out of `factors` one at a time, smallest intermediate first.
EliminationTape eliminate_sites(std::vector<Factor> factors, const std::set<std::string>& eliminate,
                                Semiring semiring) {
  EliminationTape tape;
  tape.slots = std::move(factors);
  std::vector<Factor>& slots = tape.slots;
  // The sites to eliminate that occur, each with the slots holding it.
  std::vector<std::string> sites;
  std::map<std::string, std::set<size_t>> holders;
  for (size_t slot = 0; slot < slots.size(); ++slot) {
    for (const std::string& site : sites_in(slots[slot], eliminate)) {
      if (!holders.count(site)) sites.push_back(site);
      holders[site].insert(slot);
    }
  }
  std::vector<bool> alive(slots.size(), true);
  // The size of the factor that eliminating `site` would build.
  auto cost = [&](const std::string& site) {
    std::vector<FactorDim> dims;
    double size = 1;
    for (size_t slot : holders[site])
      for (const FactorDim& dim : slots[slot].dims)
        if (index_of(dims, dim) < 0) {
          dims.push_back(dim);
          size *= static_cast<double>(dim.size);
        }
    return size;
  };
  std::map<std::string, size_t> index;  // of each site in `sites`
  std::vector<double> costs(sites.size());
  std::set<std::pair<double, size_t>> queue;  // cheapest first, then in order of appearance
  for (size_t i = 0; i < sites.size(); ++i) {
    index[sites[i]] = i;
    costs[i] = cost(sites[i]);
    queue.emplace(costs[i], i);
  }

  while (!queue.empty()) {
    const size_t best = queue.begin()->second;
    queue.erase(queue.begin());
    EliminationStep step{sites[best], {}, {}, slots.size()};
    std::vector<Factor> joint_parts;
    for (size_t slot : holders[step.site]) {
      step.parts.push_back(slot);
      joint_parts.push_back(slots[slot]);
      alive[slot] = false;
    }
    step.joint = combine(joint_parts);
    const std::vector<std::string> neighbours = sites_in(step.joint, eliminate);
    for (const std::string& other : neighbours)
      for (size_t slot : holders[step.site])
        if (other != step.site) holders[other].erase(slot);
    slots.push_back(reduce(step.joint, index_of(step.joint.dims, site_dim(step.site)), semiring));
    alive.push_back(true);
    for (const std::string& other : neighbours) {
      if (other == step.site) continue;
      holders[other].insert(step.result);
      const size_t i = index[other];
      queue.erase({costs[i], i});
      costs[i] = cost(other);
      queue.emplace(costs[i], i);
    }
    tape.steps.push_back(std::move(step));
  }
  for (size_t slot = 0; slot < slots.size(); ++slot)
    if (alive[slot]) tape.rest.push_back(slot);
  return tape;
}

/// `gradient`, over `from`, summed over the dims `to` lacks and permuted to `to`'s order.
torch::Tensor gradient_for(const torch::Tensor& gradient, const std::vector<FactorDim>& from,
                           const std::vector<FactorDim>& to) {
  std::vector<int64_t> summed;
  std::vector<FactorDim> kept;
  for (size_t i = 0; i < from.size(); ++i) {
    if (index_of(to, from[i]) >= 0)
      kept.push_back(from[i]);
    else
      summed.push_back(static_cast<int64_t>(i));
  }
  torch::Tensor result = summed.empty() ? gradient : gradient.sum(summed);
  std::vector<int64_t> permutation;
  for (const FactorDim& dim : to) permutation.push_back(index_of(kept, dim));
  return result.permute(permutation);
}

/// The backward of a sum-product elimination run without autograd: one node for the whole
/// elimination instead of a few per step. Going back through the steps, the gradient of
/// logsumexp is the softmax of the joint along the reduced dim. Small factors go through plain
/// loops. First derivatives only.
struct SumProductBackward : torch::autograd::Node {
  EliminationTape tape;
  std::vector<std::vector<int64_t>> input_sizes;  // the inputs' tensors are not kept
  std::vector<FactorDim> result_dims;
  bool loops = false;

  std::string name() const override { return "ppl::infer::SumProductBackward"; }

  torch::autograd::variable_list apply(torch::autograd::variable_list&& gradients) override {
    std::vector<torch::Tensor> slot_gradients(tape.slots.size());
    auto accumulate = [&](size_t slot, const torch::Tensor& gradient,
                          const std::vector<FactorDim>& dims) {
      const Factor& factor = tape.slots[slot];
      torch::Tensor& total = slot_gradients[slot];
      if (loops) {
        if (!total.defined())
          total = torch::zeros(
              slot < input_sizes.size() ? input_sizes[slot] : factor.log_value.sizes().vec(),
              gradient.options());
        kernels::scatter_sum(total, strides_along(total, factor.dims, dims), gradient.contiguous());
        return;
      }
      torch::Tensor part = gradient_for(gradient, dims, factor.dims);
      total = total.defined() ? total + part : part;
    };
    for (size_t slot : tape.rest) accumulate(slot, gradients[0], result_dims);
    for (auto step = tape.steps.rbegin(); step != tape.steps.rend(); ++step) {
      const torch::Tensor& gradient = slot_gradients[step->result];
      if (!gradient.defined()) continue;
      const int64_t index = index_of(step->joint.dims, site_dim(step->site));
      const torch::Tensor& reduced = tape.slots[step->result].log_value;
      const torch::Tensor joint_gradient =
          loops ? kernels::logsumexp_gradient(gradient, step->joint.log_value.contiguous(), reduced,
                                              index)
                : gradient.unsqueeze(index) *
                      (step->joint.log_value - reduced.unsqueeze(index)).exp();
      for (size_t part : step->parts) accumulate(part, joint_gradient, step->joint.dims);
    }
    slot_gradients.resize(input_sizes.size());
    return slot_gradients;
  }
};

/// Whether the elimination of `eliminate` from `factors` needs a backward node: some factor
/// requires gradients and some holds a site to eliminate.
bool needs_backward(const std::vector<Factor>& factors, const std::set<std::string>& eliminate) {
  if (!torch::GradMode::is_enabled()) return false;
  const auto requires_grad = [](const Factor& f) { return f.log_value.requires_grad(); };
  const auto holds_site = [&](const Factor& f) { return !sites_in(f, eliminate).empty(); };
  return std::any_of(factors.begin(), factors.end(), requires_grad) &&
         std::any_of(factors.begin(), factors.end(), holds_site);
}

}  // namespace

Factor sum_product(std::vector<Factor> factors, const std::set<std::string>& eliminate,
                   Semiring semiring, std::vector<Elimination>* record) {
  // With gradients, the elimination runs without autograd and gets one backward node.
  const bool one_node = semiring == Semiring::sum && needs_backward(factors, eliminate);
  std::vector<torch::Tensor> inputs;
  if (one_node)
    for (const Factor& factor : factors) inputs.push_back(factor.log_value);
  std::optional<torch::NoGradGuard> no_grad;
  if (one_node) no_grad.emplace();
  EliminationTape tape = eliminate_sites(std::move(factors), eliminate, semiring);
  if (record)
    for (const EliminationStep& step : tape.steps) record->push_back({step.site, step.joint});
  std::vector<Factor> rest;
  for (size_t slot : tape.rest) rest.push_back(tape.slots[slot]);
  Factor result = combine(rest);
  no_grad.reset();
  if (!one_node) return result;
  // A result of its own (not a slot's tensor) to hang the node on.
  if (rest.size() == 1) result.log_value = result.log_value.clone();
  auto node =
      std::shared_ptr<SumProductBackward>(new SumProductBackward(), torch::autograd::deleteNode);
  std::vector<torch::Tensor> joints;
  int64_t largest = 0;
  for (const EliminationStep& step : tape.steps) {
    joints.push_back(step.joint.log_value);
    largest = std::max(largest, step.joint.log_value.numel());
  }
  node->loops = kernels::small_factors(joints, largest);
  for (size_t slot = 0; slot < inputs.size(); ++slot) {
    node->input_sizes.push_back(inputs[slot].sizes().vec());
    tape.slots[slot].log_value = torch::Tensor();  // only their dims are needed
  }
  node->tape = std::move(tape);
  node->result_dims = result.dims;
  node->set_next_edges(torch::autograd::collect_next_edges(at::TensorList(inputs)));
  torch::autograd::set_history(result.log_value, node);
  return result;
}

std::vector<Factor> contract_plated(std::vector<Factor> factors,
                                    const std::set<std::string>& eliminate, Semiring semiring,
                                    std::vector<Elimination>* record) {
  std::vector<Factor> results;
  for (auto& [component, sites] : components(std::move(factors), eliminate)) {
    if (sites.empty()) {  // a factor no eliminated site touches
      results.push_back(std::move(component.front()));
      continue;
    }
    // Each site lives in the plates that all factors holding it share.
    std::map<std::string, Plates> site_plates;
    Plates min_plates = component.front().plates;
    for (const Factor& factor : component) {
      Plates shared;
      std::set_intersection(min_plates.begin(), min_plates.end(), factor.plates.begin(),
                            factor.plates.end(), std::inserter(shared, shared.end()));
      min_plates = shared;
      for (const std::string& site : sites_in(factor, sites)) {
        auto [it, fresh] = site_plates.emplace(site, factor.plates);
        if (fresh) continue;
        Plates common;
        std::set_intersection(it->second.begin(), it->second.end(), factor.plates.begin(),
                              factor.plates.end(), std::inserter(common, common.end()));
        it->second = common;
      }
    }
    std::map<Plates, std::vector<Factor>> tree;
    for (Factor& factor : component) tree[factor.plates].push_back(std::move(factor));
    std::map<Plates, std::set<std::string>> sites_at;
    for (const auto& [site, plates] : site_plates) sites_at[plates].insert(site);

    // Leaf plate contexts first: sum out their own sites, then move each result to the plates
    // of the sites it still holds, a product over the plates it leaves.
    while (tree.size() > 1 || !sites_at.empty()) {
      auto leaf_it = std::max_element(tree.begin(), tree.end(), [](const auto& a, const auto& b) {
        return a.first.size() < b.first.size();
      });
      const Plates leaf = leaf_it->first;
      std::vector<Factor> leaf_factors = std::move(leaf_it->second);
      tree.erase(leaf_it);
      std::set<std::string> leaf_sites;
      if (auto it = sites_at.find(leaf); it != sites_at.end()) {
        leaf_sites = std::move(it->second);
        sites_at.erase(it);
      }
      for (auto& [part, part_sites] : components(std::move(leaf_factors), leaf_sites)) {
        Factor term = sum_product(std::move(part), part_sites, semiring, record);
        Plates parent = min_plates;
        const std::vector<std::string> pending = sites_in(term, sites);
        for (const std::string& site : pending)
          parent.insert(site_plates[site].begin(), site_plates[site].end());
        if (leaf != min_plates && !is_strict_subset(parent, leaf)) {
          std::vector<std::string> described;
          for (const std::string& site : pending)
            described.push_back(
                fmt::format("'{}' in plates {{{}}}", site, fmt::join(site_plates[site], ", ")));
          throw std::runtime_error(fmt::format(
              "cannot sum out the enumerated sites {}: a factor in plates {{{}}} depends on all "
              "of them, and their plates do not nest as a tree (Pyro's restriction: a site "
              "outside a plate may not depend on a site inside it). Enumerate one of them in "
              "the guide instead, or move it into the other's plate",
              fmt::join(described, ", "), fmt::join(leaf, ", ")));
        }
        if (leaf != min_plates) term = product_over_plates(std::move(term), parent);
        tree[term.plates].push_back(std::move(term));
      }
    }
    for (auto& [plates, rest] : tree)
      for (Factor& factor : rest) results.push_back(std::move(factor));
  }
  return results;
}

}  // namespace ppl::infer
