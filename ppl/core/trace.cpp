#include "ppl/core/trace.h"

#include "ppl/core/kernels/sum_of_cpu_scalars.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <stdexcept>

namespace ppl {
namespace {

std::string shape_text(c10::IntArrayRef shape) {
  return fmt::format("{}", fmt::join(shape, " "));
}

}  // namespace

std::string to_string(MessageType type) {
  switch (type) {
    case MessageType::sample:
      return "sample";
    case MessageType::param:
      return "param";
    case MessageType::subsample:
      return "subsample";
  }
  return "unknown";
}

bool Site::is_latent() const {
  if (!is_sample() || is_observed) return false;
  auto it = infer.find("is_auxiliary");
  return it == infer.end() || !std::get<bool>(it->second);
}

void Trace::add(const Message& msg) {
  auto it = index_.find(msg.name);
  if (it != index_.end()) {
    Site& existing = sites_[it->second];
    if (existing.type != msg.type) {
      throw std::runtime_error(fmt::format("'{}' is already in the trace as a {} site", msg.name,
                                           to_string(existing.type)));
    }
    if (msg.type != MessageType::param) {
      throw std::runtime_error(
          fmt::format("multiple {} sites named '{}'", to_string(msg.type), msg.name));
    }
    static_cast<Message&>(existing) = msg;
    return;
  }
  if (sites_.empty()) sites_.reserve(16);
  index_.emplace(msg.name, sites_.size());
  sites_.push_back(Site{msg, {}, {}});
}

const Site* Trace::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &sites_[it->second];
}

const Site& Trace::at(const std::string& name) const {
  const Site* site = find(name);
  if (!site) throw std::out_of_range(fmt::format("no site named '{}' in the trace", name));
  return *site;
}

Site& Trace::at(const std::string& name) {
  return const_cast<Site&>(static_cast<const Trace&>(*this).at(name));
}

torch::Tensor scale_and_mask(const torch::Tensor& log_prob, double scale,
                             const torch::Tensor& mask) {
  torch::Tensor result = log_prob;
  if (mask.defined()) result = torch::where(mask, result, torch::zeros({}, result.options()));
  if (scale != 1.0) result = result * scale;
  return result;
}

void Trace::compute_log_prob(const SiteFilter& filter) {
  for (Site& site : sites_) {
    if (!site.is_sample() || site.log_prob.defined() || (filter && !filter(site))) continue;
    try {
      site.unscaled_log_prob = site.fn->log_prob(site.value);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("error while computing log_prob at site '{}':\n{}\n{}",
                                           site.name, e.what(), format_shapes()));
    }
    site.log_prob = scale_and_mask(site.unscaled_log_prob, site.scale, site.mask);
  }
}

torch::Tensor sum_scalars(const std::vector<torch::Tensor>& terms) {
  if (terms.empty()) return torch::zeros({});
  if (terms.size() == 1) return terms[0];
  const auto same_kind = [&](const torch::Tensor& t) {
    return t.scalar_type() == terms[0].scalar_type() && t.device() == terms[0].device();
  };
  if (!std::all_of(terms.begin(), terms.end(), same_kind)) {
    torch::Tensor total = terms[0];
    for (size_t i = 1; i < terms.size(); ++i) total = total + terms[i];
    return total;
  }
  if (terms[0].is_cpu() && terms[0].is_floating_point() &&
      std::all_of(terms.begin(), terms.end(), [](const torch::Tensor& t) { return t.dim() == 0; }))
    return kernels::sum_of_cpu_scalars(terms);
  return torch::stack(terms).sum();
}

torch::Tensor Trace::log_prob_sum(const SiteFilter& filter) {
  compute_log_prob(filter);
  std::vector<torch::Tensor> terms;
  for (const Site& site : sites_)
    if (site.is_sample() && (!filter || filter(site))) terms.push_back(site.log_prob_sum());
  return sum_scalars(terms);
}

std::string Trace::format_shapes() const {
  std::vector<std::array<std::string, 3>> rows;  // name, batch part, event part
  rows.push_back({"Trace Shapes:", "", ""});
  rows.push_back({"Param Sites:", "", ""});
  for (const Site& site : sites_) {
    if (site.type == MessageType::param)
      rows.push_back({site.name, shape_text(site.value.sizes()), ""});
  }
  rows.push_back({"Sample Sites:", "", ""});
  for (const Site& site : sites_) {
    if (site.type == MessageType::param) continue;
    const auto& batch = site.fn->batch_shape();
    const auto& event = site.fn->event_shape();
    rows.push_back({site.name + " dist", shape_text(batch), shape_text(event)});
    if (site.value.defined()) {
      const auto sizes = site.value.sizes();
      const size_t event_dims = std::min(event.size(), sizes.size());
      rows.push_back({"value", shape_text(sizes.slice(0, sizes.size() - event_dims)),
                      shape_text(sizes.slice(sizes.size() - event_dims))});
    }
    if (site.log_prob.defined())
      rows.push_back({"log_prob", shape_text(site.log_prob.sizes()), ""});
  }
  size_t width0 = 0, width1 = 0;
  for (const auto& row : rows) {
    width0 = std::max(width0, row[0].size());
    width1 = std::max(width1, row[1].size());
  }
  std::string table;
  for (const auto& row : rows) {
    const bool header = row[0].back() == ':';
    table += header ? fmt::format("{:>{}}", row[0], width0)
                    : fmt::format("{:>{}} {:>{}} | {}", row[0], width0, row[1], width1, row[2]);
    while (!table.empty() && table.back() == ' ') table.pop_back();
    table += '\n';
  }
  return table;
}

}  // namespace ppl
