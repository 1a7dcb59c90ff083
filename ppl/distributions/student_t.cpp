#include "ppl/distributions/student_t.h"

#include "ppl/distributions/gamma.h"

#include <c10/util/MathConstants.h>

#include <cmath>
#include <limits>

namespace ppl::dist {

namespace {
const double kHalfLogPi = 0.5 * std::log(c10::pi<double>);
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

StudentT::StudentT(TensorOrNumber df, TensorOrNumber loc, TensorOrNumber scale,
                   std::optional<bool> validate_args)
    : DistributionBase(validate_args) {
  std::tie(df_, loc_, scale_) = broadcast_all("StudentT: df, loc and scale", df, loc, scale);
  init(df_.sizes());
}

torch::Tensor StudentT::rsample(const Shape& sample_shape,
                                c10::optional<at::Generator> generator) const {
  // chi2 / df = gamma(df / 2) / (df / 2), with gamma(df / 2) a standard gamma draw.
  const auto shape = extended_shape(sample_shape);
  const auto normal = at::randn(shape, generator, df_.options());
  const auto half_df = 0.5 * df_;
  auto chi2_over_df = detail::standard_gamma(half_df, shape, std::move(generator)) / half_df;
  detail::clamp_to_tiny_(chi2_over_df);
  return at::addcmul(loc_, scale_, normal * chi2_over_df.rsqrt());
}

torch::Tensor StudentT::log_prob(const torch::Tensor& value) const {
  validate_sample(value);
  const auto y = (value - loc_) / scale_;
  const auto half_df_plus_half = 0.5 * (df_ + 1);
  const auto log_normalizer = scale_.log() + 0.5 * df_.log() + kHalfLogPi + (0.5 * df_).lgamma() -
                              half_df_plus_half.lgamma();
  return torch::log1p(y.square() / df_).mul(half_df_plus_half).neg_().sub_(log_normalizer);
}

torch::Tensor StudentT::mean() const {
  return torch::where(df_ > 1, loc_, torch::scalar_tensor(kNaN, loc_.options()));
}

torch::Tensor StudentT::variance() const {
  const auto finite = scale_.square() * df_ / (df_ - 2);
  const auto undefined = torch::where(
      df_ > 1, torch::scalar_tensor(std::numeric_limits<double>::infinity(), df_.options()),
      torch::scalar_tensor(kNaN, df_.options()));
  return torch::where(df_ > 2, finite, undefined);
}

torch::Tensor StudentT::entropy() const {
  const auto half_df = 0.5 * df_;
  const auto half_df_plus_half = half_df + 0.5;
  const auto log_beta = half_df.lgamma() + kHalfLogPi - half_df_plus_half.lgamma();
  return scale_.log() + half_df_plus_half * (half_df_plus_half.digamma() - half_df.digamma()) +
         0.5 * df_.log() + log_beta;
}

}  // namespace ppl::dist
