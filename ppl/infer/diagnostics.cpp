#include "ppl/infer/diagnostics.h"

#include "ppl/distributions/shape.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace ppl::infer {
namespace diagnostics_detail {

/// The smallest n >= size whose prime factors are 2, 3 and 5 alone (a fast FFT length).
int64_t next_fast_fft_length(int64_t size) {
  for (int64_t candidate = size;; ++candidate) {
    int64_t remaining = candidate;
    for (int64_t factor : {2, 3, 5}) {
      while (remaining % factor == 0) remaining /= factor;
    }
    if (remaining == 1) return candidate;
  }
}

/// Throws unless `x` is a defined, non-empty tensor with at least `min_dims` dims.
void check_tensor(const torch::Tensor& x, const char* function, const char* what, int64_t min_dims,
                  const char* layout) {
  if (!x.defined()) {
    throw std::invalid_argument(
        fmt::format("{}: expected a tensor of {}, found an undefined tensor", function, what));
  }
  if (x.dim() < min_dims) {
    throw std::invalid_argument(fmt::format("{}: expected {} shaped {}, found {} dims, shape {}",
                                            function, what, layout, x.dim(),
                                            dist::shape_str(x.sizes())));
  }
  if (x.numel() == 0) {
    throw std::invalid_argument(fmt::format("{}: expected non-empty {}, found shape {}", function,
                                            what, dist::shape_str(x.sizes())));
  }
}

/// Throws unless `samples` is a non-empty (num_chains, num_draws, ...) tensor with at least
/// `min_chains` chains and `min_draws` draws per chain.
void check_chains(const torch::Tensor& samples, const char* function, const char* what,
                  int64_t min_chains, int64_t min_draws) {
  check_tensor(samples, function, what, 2, "(num_chains, num_draws, ...)");
  if (samples.size(0) < min_chains) {
    throw std::invalid_argument(
        fmt::format("{}: expected {} with at least {} chains, found {} (shape {})", function, what,
                    min_chains, samples.size(0), dist::shape_str(samples.sizes())));
  }
  if (samples.size(1) < min_draws) {
    throw std::invalid_argument(
        fmt::format("{}: expected {} with at least {} draws per chain, found {} (shape {})",
                    function, what, min_draws, samples.size(1), dist::shape_str(samples.sizes())));
  }
}

void check_prob(double prob, const char* function) {
  if (!(prob > 0 && prob < 1)) {
    throw std::invalid_argument(
        fmt::format("{}: expected prob in the open interval (0, 1), found {}", function, prob));
  }
}

/// `samples` (num_chains, num_draws, ...) as float64 (num_chains, num_draws, elements).
torch::Tensor as_chain_matrix(const torch::Tensor& samples) {
  return samples.to(torch::kDouble).reshape({samples.size(0), samples.size(1), -1});
}

/// `values` (elements) reshaped to the element shape of `samples` (num_chains, num_draws, ...).
torch::Tensor to_element_shape(const torch::Tensor& values, const torch::Tensor& samples) {
  return values.reshape(samples.sizes().slice(2));
}

/// Per element of `chains` (num_chains, num_draws, elements): whether all its draws are equal.
torch::Tensor constant_elements(const torch::Tensor& chains) {
  return chains.amax({0, 1}) == chains.amin({0, 1});
}

/// Float64 `x`'s autocorrelation along its last dim (Pyro's, by FFT; see the header).
torch::Tensor autocorrelation_along_last(const torch::Tensor& x) {
  const int64_t n = x.size(-1);
  const int64_t padded = 2 * next_fast_fft_length(n);
  const torch::Tensor centered = x - x.mean(-1, /*keepdim=*/true);
  const torch::Tensor spectrum = torch::fft::rfft(centered, padded, -1);
  const torch::Tensor power = torch::view_as_real(spectrum).pow(2).sum(-1);
  // Sums of lagged products, each lag averaged over its own n - lag terms.
  torch::Tensor lagged = torch::fft::irfft(power, padded, -1).narrow(-1, 0, n);
  lagged = lagged / torch::arange(n, 0, -1, x.options());
  const torch::Tensor variance = lagged.narrow(-1, 0, 1);
  const torch::Tensor constant = (variance == 0).logical_or(x.amax(-1, true) == x.amin(-1, true));
  const torch::Tensor correlation = lagged / variance.clamp_min(std::numeric_limits<double>::min());
  return torch::where(constant, torch::ones_like(correlation), correlation);
}

/// Float64 `x`'s autocovariance along its last dim.
torch::Tensor autocovariance_along_last(const torch::Tensor& x) {
  return autocorrelation_along_last(x) * x.var({-1}, /*unbiased=*/false, /*keepdim=*/true);
}

/// The within-chain variance W and the pooled estimate var_plus of `chains` (num_chains,
/// num_draws, elements), each (elements), as Pyro's _compute_chain_variance_stats.
struct ChainVariances {
  torch::Tensor within, pooled;
};

ChainVariances chain_variances(const torch::Tensor& chains) {
  const auto num_draws = static_cast<double>(chains.size(1));
  ChainVariances result;
  result.within = chains.var({1}, /*unbiased=*/true).mean(0);
  result.pooled = result.within * ((num_draws - 1) / num_draws);
  if (chains.size(0) > 1) {
    result.pooled = result.pooled + chains.mean(1).var({0}, /*unbiased=*/true);
  } else {
    // One chain: rho_k below is then the chain's own autocorrelation.
    result.within = result.pooled;
  }
  return result;
}

/// R-hat of `chains` (num_chains >= 2, num_draws, elements), (elements).
torch::Tensor gelman_rubin_of(const torch::Tensor& chains) {
  const ChainVariances variances = chain_variances(chains);
  const torch::Tensor r_hat = (variances.pooled / variances.within).sqrt();
  return torch::where(constant_elements(chains),
                      torch::full_like(r_hat, std::numeric_limits<double>::quiet_NaN()), r_hat);
}

}  // namespace diagnostics_detail

torch::Tensor autocorrelation(const torch::Tensor& x, int64_t dim) {
  torch::NoGradGuard no_grad;
  diagnostics_detail::check_tensor(x, "autocorrelation", "values", 1, "(..., n, ...)");
  if (dim < -x.dim() || dim >= x.dim()) {
    throw std::invalid_argument(
        fmt::format("autocorrelation: expected dim in [{}, {}] for a tensor of shape {}, found {}",
                    -x.dim(), x.dim() - 1, dist::shape_str(x.sizes()), dim));
  }
  return diagnostics_detail::autocorrelation_along_last(x.to(torch::kDouble).transpose(dim, -1))
      .transpose(dim, -1);
}

torch::Tensor autocovariance(const torch::Tensor& x, int64_t dim) {
  torch::NoGradGuard no_grad;
  diagnostics_detail::check_tensor(x, "autocovariance", "values", 1, "(..., n, ...)");
  if (dim < -x.dim() || dim >= x.dim()) {
    throw std::invalid_argument(
        fmt::format("autocovariance: expected dim in [{}, {}] for a tensor of shape {}, found {}",
                    -x.dim(), x.dim() - 1, dist::shape_str(x.sizes()), dim));
  }
  return diagnostics_detail::autocovariance_along_last(x.to(torch::kDouble).transpose(dim, -1))
      .transpose(dim, -1);
}

torch::Tensor effective_sample_size(const torch::Tensor& samples) {
  torch::NoGradGuard no_grad;
  diagnostics_detail::check_chains(samples, "effective_sample_size", "samples", 1, 2);
  const torch::Tensor chains = diagnostics_detail::as_chain_matrix(samples);
  const int64_t num_chains = chains.size(0), num_draws = chains.size(1);

  // rho_k per element and lag, (elements, num_draws).
  const torch::Tensor mean_autocovariance =
      diagnostics_detail::autocovariance_along_last(chains.transpose(1, 2)).mean(0);
  const diagnostics_detail::ChainVariances variances = diagnostics_detail::chain_variances(chains);
  const torch::Tensor pooled = variances.pooled.unsqueeze(-1);
  torch::Tensor rho = (pooled - variances.within.unsqueeze(-1) + mean_autocovariance) / pooled;
  rho.select(1, 0).fill_(1);

  // Geyer's initial positive then initial monotone sequence on the sums of lag pairs.
  const int64_t num_pairs = num_draws / 2;
  const torch::Tensor pair_sums =
      rho.narrow(1, 0, 2 * num_pairs).reshape({rho.size(0), num_pairs, 2}).sum(-1);
  torch::Tensor tau = 2 * pair_sums.select(1, 0) - 1;
  if (num_pairs > 1) {
    const torch::Tensor positive = pair_sums.narrow(1, 1, num_pairs - 1).clamp_min(0);
    tau = tau + 2 * std::get<0>(positive.cummin(1)).sum(1);
  }
  const torch::Tensor n_eff = static_cast<double>(num_chains * num_draws) / tau;
  const torch::Tensor result =
      torch::where(diagnostics_detail::constant_elements(chains),
                   torch::full_like(n_eff, std::numeric_limits<double>::quiet_NaN()), n_eff);
  return diagnostics_detail::to_element_shape(result, samples);
}

torch::Tensor gelman_rubin(const torch::Tensor& samples) {
  torch::NoGradGuard no_grad;
  diagnostics_detail::check_chains(samples, "gelman_rubin", "samples", 2, 2);
  return diagnostics_detail::to_element_shape(
      diagnostics_detail::gelman_rubin_of(diagnostics_detail::as_chain_matrix(samples)), samples);
}

torch::Tensor split_gelman_rubin(const torch::Tensor& samples) {
  torch::NoGradGuard no_grad;
  diagnostics_detail::check_chains(samples, "split_gelman_rubin", "samples", 1, 4);
  const torch::Tensor chains = diagnostics_detail::as_chain_matrix(samples);
  const int64_t num_draws = chains.size(1), half = num_draws / 2;
  const torch::Tensor halves =
      torch::stack({chains.narrow(1, 0, half), chains.narrow(1, num_draws - half, half)}, 1)
          .reshape({2 * chains.size(0), half, chains.size(2)});
  return diagnostics_detail::to_element_shape(diagnostics_detail::gelman_rubin_of(halves), samples);
}

torch::Tensor hpdi(const torch::Tensor& samples, double prob) {
  torch::NoGradGuard no_grad;
  diagnostics_detail::check_tensor(samples, "hpdi", "samples", 1, "(num_samples, ...)");
  diagnostics_detail::check_prob(prob, "hpdi");
  const torch::Tensor sorted = std::get<0>(samples.to(torch::kDouble).sort(0));
  const int64_t mass = sorted.size(0);
  const auto length = static_cast<int64_t>(prob * static_cast<double>(mass));
  const torch::Tensor widths =
      sorted.narrow(0, length, mass - length) - sorted.narrow(0, 0, mass - length);
  const torch::Tensor start = widths.argmin(0, /*keepdim=*/true);
  return sorted.gather(0, torch::cat({start, start + length}, 0));
}

std::vector<SummaryRow> summarize(const std::map<std::string, torch::Tensor>& samples,
                                  double prob) {
  torch::NoGradGuard no_grad;
  diagnostics_detail::check_prob(prob, "summarize");
  std::vector<SummaryRow> rows;
  for (const auto& [name, value] : samples) {
    const std::string what = fmt::format("samples of site '{}'", name);
    diagnostics_detail::check_chains(value, "summarize", what.c_str(), 1, 4);
    const torch::Tensor chains = diagnostics_detail::as_chain_matrix(value);
    const torch::Tensor draws = chains.reshape({-1, chains.size(2)});
    const torch::Tensor interval = hpdi(draws, prob);
    // (7, elements) on the host, one transfer per site.
    const torch::Tensor table =
        torch::stack({draws.mean(0), draws.std(0), std::get<0>(draws.median(0)), interval[0],
                      interval[1], effective_sample_size(chains).reshape(-1),
                      split_gelman_rubin(chains).reshape(-1)})
            .to(torch::kCPU)
            .contiguous();
    const auto cells = table.accessor<double, 2>();
    const c10::IntArrayRef element_shape = value.sizes().slice(2);
    std::vector<int64_t> index(element_shape.size(), 0);
    for (int64_t element = 0; element < table.size(1); ++element) {
      SummaryRow row;
      row.name = index.empty() ? name : fmt::format("{}[{}]", name, fmt::join(index, ","));
      row.mean = cells[0][element];
      row.std = cells[1][element];
      row.median = cells[2][element];
      row.lower = cells[3][element];
      row.upper = cells[4][element];
      row.n_eff = cells[5][element];
      row.r_hat = cells[6][element];
      rows.push_back(std::move(row));
      // The next row-major index.
      for (auto d = static_cast<int64_t>(index.size()) - 1; d >= 0; --d) {
        if (++index[d] < element_shape[d]) break;
        index[d] = 0;
      }
    }
  }
  return rows;
}

std::string format_summary(const std::vector<SummaryRow>& rows, double prob) {
  diagnostics_detail::check_prob(prob, "format_summary");
  if (rows.empty()) return {};
  size_t name_width = 10;
  for (const SummaryRow& row : rows) name_width = std::max(name_width, row.name.size());
  std::string text = fmt::format("{:>{}}", "", name_width);
  for (const std::string& label :
       {std::string("mean"), std::string("std"), std::string("median"),
        fmt::format("{:.1f}%", 50 * (1 - prob)), fmt::format("{:.1f}%", 50 * (1 + prob)),
        std::string("n_eff"), std::string("r_hat")}) {
    text += fmt::format(" {:>9}", label);
  }
  text += '\n';
  for (const SummaryRow& row : rows) {
    text += fmt::format("{:>{}}", row.name, name_width);
    for (double value :
         {row.mean, row.std, row.median, row.lower, row.upper, row.n_eff, row.r_hat}) {
      text += fmt::format(" {:>9.2f}", value);
    }
    text += '\n';
  }
  return text;
}

}  // namespace ppl::infer
