#pragma once
// A record of one execution: every site in program order (Pyro's poutine Trace).

#include "ppl/core/message.h"

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ppl {

/// A recorded message plus its log-probabilities, filled once by `Trace::compute_log_prob`.
struct Site : Message {
  torch::Tensor unscaled_log_prob;  ///< fn->log_prob(value)
  torch::Tensor log_prob;           ///< scaled and masked
  bool is_sample() const { return type == MessageType::sample; }
  /// log_prob summed to a scalar (itself when 0-dim); summed on request, since enumeration
  /// keeps the log-probs as tensors.
  torch::Tensor log_prob_sum() const { return log_prob.dim() == 0 ? log_prob : log_prob.sum(); }
  /// A sample site that is neither observed nor an auxiliary factor.
  bool is_latent() const;
};

using SiteFilter = std::function<bool(const Site&)>;

class Trace {
 public:
  /// Records `msg`; std::runtime_error on a second sample site of the same name or a name used
  /// by sites of different types. A param site seen again replaces the first record.
  void add(const Message& msg);

  bool contains(const std::string& name) const { return index_.count(name) > 0; }
  /// The site named `name`, or null.
  const Site* find(const std::string& name) const;
  /// std::out_of_range naming the site if absent.
  const Site& at(const std::string& name) const;
  Site& at(const std::string& name);
  /// Sites in program order. On a temporary trace the sites are moved out and returned by
  /// value, so `for (auto& site : trace(model).get_trace(x).sites())` does not dangle.
  const std::vector<Site>& sites() const& { return sites_; }
  std::vector<Site>& sites() & { return sites_; }
  std::vector<Site> sites() && { return std::move(sites_); }
  bool empty() const { return sites_.empty(); }

  /// The sites in program order: `for (const Site& site : trace(model).get_trace(x))`.
  std::vector<Site>::const_iterator begin() const { return sites_.begin(); }
  std::vector<Site>::const_iterator end() const { return sites_.end(); }
  std::vector<Site>::iterator begin() { return sites_.begin(); }
  std::vector<Site>::iterator end() { return sites_.end(); }

  /// Computes the log-prob of every sample site accepted by `filter` that has none yet. Errors
  /// are rethrown as std::runtime_error naming the site, with the table of site shapes.
  void compute_log_prob(const SiteFilter& filter = nullptr);
  /// Sum of the scaled, masked log-probs of the sample sites accepted by `filter` (a 0-dim tensor).
  torch::Tensor log_prob_sum(const SiteFilter& filter = nullptr);

  /// The table of site shapes, as Pyro's `Trace.format_shapes()`: for each site its
  /// distribution's batch | event shape, its value's shape and (once computed) its log-prob's.
  std::string format_shapes() const;

 private:
  std::vector<Site> sites_;
  std::unordered_map<std::string, size_t> index_;
};

/// The sum of 0-dim tensors as one stack-and-sum (two autograd nodes instead of a chain of
/// additions); a 0-dim CPU zero when `terms` is empty.
torch::Tensor sum_scalars(const std::vector<torch::Tensor>& terms);

/// Applies a site's scale and mask to a log-prob tensor.
torch::Tensor scale_and_mask(const torch::Tensor& log_prob, double scale,
                             const torch::Tensor& mask);

}  // namespace ppl
