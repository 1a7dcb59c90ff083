#pragma once
// MCMC diagnostics on plain tensors of draws, with the semantics of Pyro 1.8.6's pyro.ops.stats
// (autocorrelation, effective_sample_size, gelman_rubin, split_gelman_rubin, hpdi) and of
// pyro.infer.mcmc.util.summary / print_summary.
//
// Draws are laid out (num_chains, num_draws, ...element shape); every statistic is computed per
// element. The arithmetic is float64 whatever the input's dtype, and the results are float64
// tensors on the input's device. Bad input throws std::invalid_argument naming the function,
// what it expected and what it found.

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace ppl::infer {

/// Autocovariance of `x` along `dim` at every lag 0..n-1, as pyro.ops.stats.autocovariance:
/// autocorrelation(x, dim) times the biased (1/n) variance along `dim`, so lag 0 is that
/// variance. Same shape as `x`.
torch::Tensor autocovariance(const torch::Tensor& x, int64_t dim = 0);

/// Autocorrelation of `x` along `dim` at every lag 0..n-1, as pyro.ops.stats.autocorrelation
/// (by FFT): with c = x - mean, rho_k = [sum_{t<n-k} c_t c_{t+k} / (n-k)] / [sum_t c_t^2 / n].
/// Each lag is averaged over its own n-k products, so |rho_k| may exceed 1 at large lags. Lag 0
/// is 1, and every lag of a constant sequence is 1. Same shape as `x`.
torch::Tensor autocorrelation(const torch::Tensor& x, int64_t dim = 0);

/// Effective sample size per element of `samples` (num_chains, num_draws >= 2, ...), shaped
/// (...), as pyro.ops.stats.effective_sample_size (the Stan reference manual's estimator):
/// rho_k = 1 - (W - mean over chains of autocovariance_k) / var_plus, with W the mean of the
/// chains' unbiased variances and var_plus = (n-1)/n W + the variance of the chain means
/// (var_plus = W = the biased variance with one chain); Geyer's initial positive sequence on the
/// pair sums rho_{2m} + rho_{2m+1} (pairs after the first clamped at 0), made monotone by a
/// running minimum; n_eff = num_chains num_draws / (-1 + 2 sum of the pair sums). No cap at
/// N log10 N (Stan's compute_effective_sample_size has one). An element whose draws are all
/// equal gets NaN, as in Pyro and Stan.
torch::Tensor effective_sample_size(const torch::Tensor& samples);

/// R-hat per element of `samples` (num_chains >= 2, num_draws >= 2, ...), shaped (...), as
/// pyro.ops.stats.gelman_rubin: sqrt(var_plus / W) with W the mean of the chains' unbiased
/// variances and var_plus = (n-1)/n W + the unbiased variance of the chain means. One chain is
/// an error, as in Pyro; an element whose draws are all equal gets NaN.
torch::Tensor gelman_rubin(const torch::Tensor& samples);

/// Split R-hat per element of `samples` (num_chains >= 1, num_draws >= 4, ...), shaped (...), as
/// pyro.ops.stats.split_gelman_rubin: each chain's first and last floor(n/2) draws (the middle
/// draw of an odd n is dropped) become two chains for gelman_rubin, so one chain works.
torch::Tensor split_gelman_rubin(const torch::Tensor& samples);

/// The narrowest interval holding `prob` of the samples along dim 0, as pyro.ops.stats.hpdi:
/// with the samples sorted and k = floor(prob n), the shortest [s_i, s_{i+k}] (the first on
/// ties). `samples` (n >= 1, ...) -> (2, ...): lower bounds, then upper bounds. prob in (0, 1).
torch::Tensor hpdi(const torch::Tensor& samples, double prob = 0.9);

/// One row of Pyro's summary table: a scalar element of a site ("theta[3]", "w[1,0]", or "mu").
struct SummaryRow {
  std::string name;
  double mean, std, median, lower, upper, n_eff, r_hat;
};

/// Pyro's summary of `samples` by site name, each (num_chains, num_draws >= 4, ...site shape):
/// per element the mean, the unbiased std and the median (the lower middle draw for an even
/// count, as torch.median) over all chains' draws, the hpdi bounds at `prob`,
/// effective_sample_size and split_gelman_rubin. Sites in map order, elements in row-major order
/// named "site[i,j]" (a scalar site by its name alone).
std::vector<SummaryRow> summarize(const std::map<std::string, torch::Tensor>& samples,
                                  double prob = 0.9);

/// Pyro's print_summary table as text (without the blank lines print_summary adds around it):
/// a header "mean std median 5.0% 95.0% n_eff r_hat" (the percent labels 50(1-prob)% and
/// 50(1+prob)% with one decimal), then one line per row; names right-aligned to the longest name
/// (at least 10 characters), numbers right-aligned in 9 characters with 2 decimals, columns
/// separated by a space; every line ends with '\n'. No rows: an empty string.
std::string format_summary(const std::vector<SummaryRow>& rows, double prob = 0.9);

}  // namespace ppl::infer
