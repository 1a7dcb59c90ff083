#pragma once
// The potential energy of a model for Hamiltonian Monte Carlo: minus its log joint density at
// unconstrained values of its continuous latent sites, each mapped onto its support by
// biject_to with the log |det J| of the map added (Pyro's potential_fn of initialize_model).

#include "ppl/distributions/transforms/transform.h"
#include "ppl/infer/elbo.h"
#include "ppl/infer/predictive.h"

#include <string>
#include <utility>
#include <vector>

namespace ppl::infer {

/// The name of the outer plate that runs a batch of chains in one pass of the model.
inline constexpr const char* kChainPlate = "_num_chains";

/// One continuous latent site's slice of the flat unconstrained vector.
struct FlatSite {
  std::string name;
  transforms::TransformPtr transform;        ///< from unconstrained reals onto the site's support
  std::vector<int64_t> unconstrained_shape;  ///< one chain's unconstrained value
  int64_t batch_rank = 0;                    ///< the dims of that value that are plates
  int64_t offset = 0;
  int64_t size = 0;
};

/// Where each continuous latent site of a model lies in the flat unconstrained vector of one
/// chain, and how the model is run.
struct ModelLayout {
  std::vector<FlatSite> sites;
  int64_t dim = 0;  ///< the flat vector's length
  int64_t max_plate_nesting = 0;
  bool enumerated = false;       ///< some discrete sites are summed out by enumeration
  torch::TensorOptions options;  ///< dtype and device of the latent values

  /// From a trace of the model with a value at every latent site: the latent sample sites in
  /// program order. Discrete latents marked "parallel" are summed out; any other discrete
  /// latent is a std::invalid_argument naming the site. `max_plate_nesting` unset: guessed
  /// from the trace.
  static ModelLayout of(const Trace& trace, int64_t max_plate_nesting = kUnlimitedPlateNesting);

  /// The unconstrained values of the trace's latent sites, flat (dim,), float64 on the CPU;
  /// std::invalid_argument
  /// naming a site the trace lacks or whose shape differs from the layout's.
  torch::Tensor flatten(const Trace& trace) const;
  /// The constrained values of `positions` (n, dim), by site: (n, ...site's shape).
  SampleDict constrain(const torch::Tensor& positions) const;
};

/// U(z) = -log p(data, constrain(z)) - log |det J|(z) and its gradient, for a batch of
/// positions. With `chains` > 0 the model runs once in an outer plate kChainPlate of that
/// size (left of max_plate_nesting plates) and the batch must have that many rows; with 0 it
/// runs once per row, as written. Param sites keep their values (no gradient flows to them).
class PotentialEnergy {
 public:
  PotentialEnergy(Program model, ModelLayout layout, int64_t chains = 0);

  const ModelLayout& layout() const { return layout_; }
  int64_t dim() const { return layout_.dim; }

  /// U at each row of `positions` (rows, dim), float64, and dU/dz (rows, dim): both float64 on
  /// the CPU. Thread-safe as far as the model is.
  std::pair<torch::Tensor, torch::Tensor> operator()(const torch::Tensor& positions) const;

  /// The log joint density (log p + log |det J|) of `z` (rows, dim) in the model's dtype,
  /// differentiable: one entry per row.
  torch::Tensor log_density(const torch::Tensor& z) const;

 private:
  torch::Tensor batch_log_density(const torch::Tensor& z, int64_t rows) const;

  Program model_;
  ModelLayout layout_;
  int64_t chains_;
};

}  // namespace ppl::infer
