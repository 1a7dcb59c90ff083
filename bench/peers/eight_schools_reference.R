#!/usr/bin/env Rscript
# Long Stan reference run of eight schools (non-centred, same model as the
# benchmark): 4 chains x (1000 warm-up + 50,000 draws), fixed seed.
# Prints one JSON object with the posterior mean, sd and Monte Carlo standard
# error (rstan's se_mean) of mu, tau, theta[0..7] and theta_tilde[0..7].
# Indices are 0-based like the C++ and Python sides.
#
# adapt_delta is raised to 0.95 (benchmark runs use 0.8) to make divergent
# transitions, and the bias they bring to tau, rarer; the count is reported.
#
# Usage:  Rscript eight_schools_reference.R > eight_schools_reference.json

suppressPackageStartupMessages({
  library(rstan)
  library(jsonlite)
})

CHAINS <- 4L
WARMUP <- 1000L
DRAWS <- 50000L
SEED <- 8081L
ADAPT_DELTA <- 0.95

Sys.setenv(OMP_NUM_THREADS = "1", OPENBLAS_NUM_THREADS = "1",
           MKL_NUM_THREADS = "1")
rstan_options(auto_write = FALSE)

f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
here <- if (length(f)) dirname(normalizePath(f[1])) else getwd()

data <- list(J = 8L,
             y = c(28, 8, -3, 7, -1, 1, 18, 12),
             sigma = c(15, 10, 16, 11, 9, 11, 10, 18))

message("[reference] compiling eight_schools.stan")
sm <- stan_model(file.path(here, "eight_schools.stan"), model_name = "eight_schools")
message(sprintf("[reference] sampling %d chains x (%d + %d)", CHAINS, WARMUP, DRAWS))
fit <- sampling(sm, data = data, chains = CHAINS, cores = 1L,
                iter = WARMUP + DRAWS, warmup = WARMUP, seed = SEED,
                control = list(adapt_delta = ADAPT_DELTA, max_treedepth = 10L),
                refresh = 0, show_messages = FALSE)

smry <- summary(fit)$summary
rn <- rownames(smry)
# 1-based Stan names -> 0-based
rn0 <- vapply(rn, function(s) {
  m <- regmatches(s, regexec("^(.*)\\[([0-9]+)\\]$", s))[[1]]
  if (length(m) == 0) s else sprintf("%s[%d]", m[2], as.integer(m[3]) - 1L)
}, character(1), USE.NAMES = FALSE)
keep <- sub("\\[.*$", "", rn) %in% c("mu", "tau", "theta", "theta_tilde")

col <- function(name) as.list(setNames(smry[keep, name], rn0[keep]))
sp <- get_sampler_params(fit, inc_warmup = FALSE)

out <- list(
  model = "eight_schools",
  peer = paste0("stan-", as.character(packageVersion("rstan"))),
  stan_version = stan_version(),
  chains = CHAINS, warmup = WARMUP, draws_per_chain = DRAWS,
  seed = SEED, adapt_delta = ADAPT_DELTA,
  divergences = sum(vapply(sp, function(s) sum(s[, "divergent__"]), 0)),
  mean = col("mean"),
  se_mean = col("se_mean"),
  sd = col("sd"),
  n_eff = col("n_eff"),
  rhat = col("Rhat")
)
cat(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "\n", sep = "")
