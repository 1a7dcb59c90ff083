#pragma once
// The base of the location-scale families: X = loc + scale Z for a fixed standard variable Z
// (Normal, Cauchy, Laplace, Gumbel).

#include "ppl/distributions/distribution.h"

#include <string>
#include <utility>

namespace ppl::dist {

/// Distribution `Derived` of X = loc + scale Z. Holds loc (real) and scale (positive), broadcast
/// against each other to the batch shape; gives reparameterized draws, cdf, icdf, mean, variance
/// and entropy from Z's, on the reals. `Derived` names itself (`static constexpr const char*
/// kName`), writes its log_prob (with `standardize`) and declares Z for this base (a friend):
///
///   static torch::Tensor standard_sample(const Shape&, c10::optional<at::Generator>,
///                                        const torch::TensorOptions&);  // draws of Z
///   static torch::Tensor standard_cdf(const torch::Tensor& z);
///   static torch::Tensor standard_icdf(const torch::Tensor& probability);
///   static constexpr double kStandardMean = 0, kStandardVariance = 1;  // E[Z], Var[Z]
///   static const double kStandardEntropy;                              // H[Z]
template <class Derived>
class LocationScale : public DistributionBase<Derived> {
 public:
  /// std::invalid_argument (when validating) if loc is NaN or scale is not positive.
  LocationScale(TensorOrNumber loc, TensorOrNumber scale,
                std::optional<bool> validate_args = std::nullopt)
      : DistributionBase<Derived>(validate_args) {
    std::tie(loc_, scale_) =
        broadcast_all(std::string(Derived::kName) + ": loc and scale", loc, scale);
    this->init(loc_.sizes());
  }

  std::string name() const override { return Derived::kName; }
  const torch::Tensor& loc() const { return loc_; }
  const torch::Tensor& scale() const { return scale_; }

  bool has_rsample() const override { return true; }
  /// loc + scale Z.
  torch::Tensor rsample(const Shape& sample_shape = {},
                        c10::optional<at::Generator> generator = c10::nullopt) const override {
    const auto z = Derived::standard_sample(this->extended_shape(sample_shape),
                                            std::move(generator), loc_.options());
    return at::addcmul(loc_, z, scale_);
  }
  torch::Tensor cdf(const torch::Tensor& value) const override {
    this->validate_sample(value);
    return Derived::standard_cdf(standardize(value));
  }
  torch::Tensor icdf(const torch::Tensor& value) const override {
    return loc_ + scale_ * Derived::standard_icdf(value);
  }
  /// loc + scale E[Z] (NaN throughout for Cauchy).
  torch::Tensor mean() const override {
    return Derived::kStandardMean == 0 ? loc_ : loc_ + scale_ * Derived::kStandardMean;
  }
  /// scale^2 Var[Z] (infinite throughout for Cauchy).
  torch::Tensor variance() const override { return scale_.square() * Derived::kStandardVariance; }
  /// H[Z] + log scale.
  torch::Tensor entropy() const override { return Derived::kStandardEntropy + scale_.log(); }
  constraints::ConstraintPtr support() const override { return constraints::real; }

 protected:
  /// For a derived class that sets loc_ and scale_ itself, then calls `init`.
  explicit LocationScale(std::optional<bool> validate_args)
      : DistributionBase<Derived>(validate_args) {}

  std::vector<Arg> args() const override {
    return {{"loc", &loc_, constraints::real}, {"scale", &scale_, constraints::positive}};
  }

  /// (value - loc) / scale.
  torch::Tensor standardize(const torch::Tensor& value) const { return (value - loc_) / scale_; }

  torch::Tensor loc_;
  torch::Tensor scale_;
};

}  // namespace ppl::dist
