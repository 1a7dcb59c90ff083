#pragma once
// The No-U-Turn sampler's transition (Hoffman & Gelman 2014) as Stan implements it
// (base_nuts.hpp): the trajectory doubles forwards or backwards until the generalized U-turn
// criterion fails across the whole trajectory or between its halves (Stan's extra checks), the
// energy error diverges, or max_tree_depth doublings are done; the next state is drawn from
// the trajectory multinomially (progressive sampling, biased towards the newer half at the top).
//
// The recursion of Stan's build_tree is unrolled into a stack of finished subtrees, so that
// the transition can stop at every leapfrog step and wait for its gradient.

#include "ppl/infer/mcmc/trajectory.h"

namespace ppl::infer {

class NutsTrajectory : public Trajectory {
 public:
  explicit NutsTrajectory(int64_t max_tree_depth);

  void begin(const PhasePoint& start, const Metric& metric, double step_size,
             at::Generator& generator) override;
  const Vector& pending_position() const override { return z_.q; }
  bool advance(double potential, const double* grad) override;
  const PhasePoint& state() const override { return sample_; }
  const TransitionStats& stats() const override { return stats_; }

  /// A stretch of trajectory: its first and last momenta (in the order it was built), their
  /// velocities, the sum of its momenta, the log of its summed weights exp(H0 - H) and the
  /// point it proposes.
  struct Subtree {
    int64_t depth = 0;
    Vector p_begin, p_end, velocity_begin, velocity_end, rho;
    double log_sum_weight = 0;
    PhasePoint proposal;
  };

 private:
  /// `subtree` becomes the single point z_ with weight exp(log_weight).
  void set_to_current_point(Subtree& subtree, double log_weight) const;
  void start_subtree();
  void start_leapfrog();
  /// The leaf just integrated, joined with the finished subtrees it completes; false when the
  /// subtree being built is invalid (divergent, or a U-turn inside it).
  bool add_leaf();
  /// Joins the finished subtree to the trajectory; false when the trajectory turned.
  bool extend_trajectory();
  void finish();

  int64_t max_tree_depth_;
  const Metric* metric_ = nullptr;
  at::Generator* generator_ = nullptr;
  double step_size_ = 0;
  double initial_energy_ = 0;
  int direction_ = 1;
  int64_t depth_ = 0;
  double sum_metropolis_prob_ = 0;

  PhasePoint z_;                ///< the point being integrated
  PhasePoint ends_[2];          ///< the trajectory's backward [0] and forward [1] ends
  Subtree trajectory_;          ///< begins at the backward end
  std::vector<Subtree> stack_;  ///< the finished subtrees of the subtree being built
  size_t stack_size_ = 0;
  Vector velocity_, scratch_;
  PhasePoint sample_;
  TransitionStats stats_;
};

}  // namespace ppl::infer
