#pragma once
// Tensor variable elimination over plated factor graphs (Pyro's pyro.ops.contract): sums out
// enumerated sites exactly, one plate context at a time.

#include "ppl/core/trace.h"

#include <set>
#include <string>
#include <vector>

namespace ppl::infer {

/// A dim of a factor: an enumerated site (the values of its support) or a plate.
struct FactorDim {
  std::string name;
  bool is_plate = false;
  int64_t size = 0;
  bool operator==(const FactorDim& other) const {
    return name == other.name && is_plate == other.is_plate;
  }
};

/// A log-space factor: a tensor with one named dim per entry of `dims`, left to right.
struct Factor {
  torch::Tensor log_value;
  std::vector<FactorDim> dims;
  /// The plates the factor lives in (its site's plates; Pyro's ordinal).
  std::set<std::string> plates;

  bool has(const FactorDim& dim) const;
  /// `log_value` with its dims permuted to `order` (a superset of `dims`), size 1 where absent.
  torch::Tensor aligned(const std::vector<FactorDim>& order) const;
};

/// The factor of a trace site: `log_prob` (the site's, or another tensor of its shape) with its
/// dims named from the site's plates and `Message::enumeration`; size-1 dims are dropped.
/// std::runtime_error naming the site when a dim of size > 1 is neither.
Factor site_factor(const Site& site, const torch::Tensor& log_prob, const Trace& trace);

/// How an enumerated dim is reduced: summed out (log-sum-exp) or maximised.
enum class Semiring { sum, max };

/// A record of one eliminated site: the factor over it and its neighbours just before it was
/// reduced. Back-substituting these in reverse order gives MAP values or posterior samples.
struct Elimination {
  std::string site;
  Factor joint;
};

/// `factors` with the enumerated sites `eliminate` reduced one at a time (smallest
/// intermediate first; a chain costs O(length · K²)), combined into one factor. Plates are
/// kept as batch dims. Appends to `record` when given.
Factor sum_product(std::vector<Factor> factors, const std::set<std::string>& eliminate,
                   Semiring semiring, std::vector<Elimination>* record = nullptr);

/// Pyro's contract_tensor_tree: reduces the enumerated sites `eliminate` out of `factors`,
/// each inside the plates that contain it, products (sums of logs) over the plate dims that
/// become independent, leaf plate contexts first. Each connected component ends as one factor
/// in the plates shared by all its factors; factors without a site of `eliminate` come back
/// unchanged. std::runtime_error naming the sites when the plates do not nest as a tree.
std::vector<Factor> contract_plated(std::vector<Factor> factors,
                                    const std::set<std::string>& eliminate, Semiring semiring,
                                    std::vector<Elimination>* record = nullptr);

}  // namespace ppl::infer
