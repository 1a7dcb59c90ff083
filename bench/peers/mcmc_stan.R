#!/usr/bin/env Rscript
# NUTS peer benchmark: Stan (through rstan) on the two models of ppl's MCMC
# benchmark.  Needs Debian's r-cran-rstan (and r-cran-jsonlite); see README.md
# for the BH include folder that Debian's r-cran-bh lacks.
#
# Usage:  Rscript mcmc_stan.R --model eight_schools|logistic_regression|all
#
# Prints one JSON object per model on stdout; progress goes to stderr.
#
# What is measured
#   * 4 chains x (1000 warm-up + 1000 draws), rstan defaults otherwise:
#     diagonal metric, adapt_delta 0.8, max_treedepth 10, random inits in
#     (-2, 2) on the unconstrained scale, seed fixed.  cores = 1, so the chains
#     run one after another in this process.
#   * wall_s: sum over chains of get_elapsed_time() (warm-up + sampling); the
#     C++ compilation of the model is excluded and reported as compile_s.
#     Stan 2.21 measures these times with std::clock(), i.e. processor time
#     of the process rather than wall time; wall_call_s is the wall time of
#     the whole sampling() call (includes rstan's own bookkeeping: setup,
#     writing draws to R arrays) for comparison.
#   * grad_evals: sum of n_leapfrog__ over all iterations incl. warm-up.
#   * ess: the n_eff column of rstan's summary() (rstan 2.21: split chains,
#     Geyer's initial monotone sequence, no rank normalisation).
#   * divergences: sum of divergent__ over the post-warm-up iterations.

suppressPackageStartupMessages({
  library(rstan)
  library(jsonlite)
})

CHAINS <- 4L
WARMUP <- 1000L
SAMPLES <- 1000L
SEED <- 20240611L

Sys.setenv(OMP_NUM_THREADS = "1", OPENBLAS_NUM_THREADS = "1",
           MKL_NUM_THREADS = "1")
rstan_options(auto_write = FALSE)  # never write compiled models into the repo
options(mc.cores = 1L)

say <- function(...) message(sprintf(...))

script_dir <- function() {
  f <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(f) == 0) return(getwd())
  dirname(normalizePath(f[1]))
}

parse_model_arg <- function() {
  a <- commandArgs(trailingOnly = TRUE)
  model <- "all"
  i <- 1
  while (i <= length(a)) {
    if (a[i] == "--model" && i < length(a)) {
      model <- a[i + 1]; i <- i + 2
    } else if (startsWith(a[i], "--model=")) {
      model <- sub("^--model=", "", a[i]); i <- i + 1
    } else {
      stop("unknown argument: ", a[i])
    }
  }
  if (!model %in% c("eight_schools", "logistic_regression", "all"))
    stop("--model must be eight_schools, logistic_regression or all")
  if (model == "all") c("eight_schools", "logistic_regression") else model
}

# ---------------------------------------------------------------- data

eight_schools_data <- function() {
  list(J = 8L,
       y = c(28, 8, -3, 7, -1, 1, 18, 12),
       sigma = c(15, 10, 16, 11, 9, 11, 10, 18))
}

logistic_data <- function() {
  N <- 500L; D <- 5L
  true_beta <- c(1.5, -1.0, 0.5, 0.0, -0.5); true_alpha <- 0.2
  x <- matrix(0, N, D)
  for (n in 0:(N - 1)) for (d in 0:(D - 1))
    x[n + 1, d + 1] <- sin(0.37 * (d + 1) * n + 0.5 * d)
  y <- integer(N)
  for (n in 0:(N - 1)) {
    eta <- true_alpha + sum(x[n + 1, ] * true_beta)
    u <- 0.5 + 0.5 * sin(1.3 * n + 0.7)
    y[n + 1] <- if (u < 1 / (1 + exp(-eta))) 1L else 0L
  }
  list(N = N, D = D, x = x, y = y)
}

# "theta_tilde[1]" (Stan, 1-based) -> "theta_tilde[0]" (0-based like the C++
# and Python sides).
zero_based <- function(names) {
  vapply(names, function(s) {
    m <- regmatches(s, regexec("^(.*)\\[([0-9]+)\\]$", s))[[1]]
    if (length(m) == 0) s else sprintf("%s[%d]", m[2], as.integer(m[3]) - 1L)
  }, character(1), USE.NAMES = FALSE)
}

# ---------------------------------------------------------------- benchmark

bench <- function(model_name, data, latent, extra_means = character(0)) {
  stan_file <- file.path(script_dir(), paste0(model_name, ".stan"))
  say("[stan] %s: compiling %s", model_name, stan_file)
  t0 <- proc.time()[["elapsed"]]
  sm <- stan_model(stan_file, model_name = model_name)
  compile_s <- proc.time()[["elapsed"]] - t0
  say("[stan] %s: compiled in %.1f s; %d chains x (%d warm-up + %d draws)",
      model_name, compile_s, CHAINS, WARMUP, SAMPLES)

  t0 <- proc.time()[["elapsed"]]
  fit <- sampling(sm, data = data, chains = CHAINS, cores = 1L,
                  iter = WARMUP + SAMPLES, warmup = WARMUP, seed = SEED,
                  control = list(adapt_delta = 0.8, max_treedepth = 10L),
                  refresh = 0, show_messages = FALSE)
  wall_call_s <- proc.time()[["elapsed"]] - t0

  el <- get_elapsed_time(fit)               # chains x (warmup, sample)
  wall_s <- sum(el)
  sp_all <- get_sampler_params(fit, inc_warmup = TRUE)
  sp_post <- get_sampler_params(fit, inc_warmup = FALSE)
  grad_evals <- sum(vapply(sp_all, function(s) sum(s[, "n_leapfrog__"]), 0))
  divergences <- sum(vapply(sp_post, function(s) sum(s[, "divergent__"]), 0))

  per_chain <- lapply(seq_len(CHAINS), function(c) {
    s <- sp_all[[c]]
    w <- seq_len(WARMUP)
    list(warmup_s = el[c, 1], sample_s = el[c, 2],
         leapfrog_warmup = sum(s[w, "n_leapfrog__"]),
         leapfrog_sampling = sum(s[-w, "n_leapfrog__"]),
         divergences = sum(sp_post[[c]][, "divergent__"]),
         step_size = sp_post[[c]][1, "stepsize__"],
         accept_prob = mean(sp_post[[c]][, "accept_stat__"]))
  })
  for (c in seq_len(CHAINS))
    say("  chain %d: %.2f s, %d+%d leapfrog steps, %d divergences, step %.3g",
        c - 1L, el[c, 1] + el[c, 2], as.integer(per_chain[[c]]$leapfrog_warmup),
        as.integer(per_chain[[c]]$leapfrog_sampling),
        as.integer(per_chain[[c]]$divergences), per_chain[[c]]$step_size)

  smry <- summary(fit)$summary
  rownames(smry) <- zero_based(rownames(smry))
  lat <- rownames(smry)[sub("\\[.*$", "", rownames(smry)) %in% latent]
  ess <- as.list(setNames(smry[lat, "n_eff"], lat))
  mean_rows <- c(lat, rownames(smry)[sub("\\[.*$", "", rownames(smry)) %in% extra_means])
  means <- as.list(setNames(smry[mean_rows, "mean"], mean_rows))
  slowest <- lat[which.min(unlist(ess))]
  ess_min <- ess[[slowest]]

  coretype <- Sys.getenv("OPENBLAS_CORETYPE", unset = NA)
  out <- list(
    peer = paste0("stan-", as.character(packageVersion("rstan"))),
    model = model_name,
    chains = CHAINS, warmup = WARMUP, samples = SAMPLES,
    wall_s = wall_s,
    grad_evals = grad_evals,
    us_per_grad = wall_s * 1e6 / grad_evals,
    ess = ess,
    slowest = slowest,
    ess_min = ess_min,
    ess_per_s = ess_min / wall_s,
    divergences = divergences,
    means = means,
    openblas_coretype = if (is.na(coretype)) NULL else coretype,
    stan_version = stan_version(),
    seed = SEED,
    compile_s = compile_s,
    wall_call_s = wall_call_s,
    per_chain = per_chain
  )
  out
}

emit <- function(obj) {
  # NULL -> JSON null (jsonlite would otherwise write {} for NULL).
  if (is.null(obj$openblas_coretype)) obj$openblas_coretype <- NA
  cat(toJSON(obj, auto_unbox = TRUE, digits = NA, na = "null"), "\n", sep = "")
  flush(stdout())
}

models <- parse_model_arg()
say("[stan] rstan %s, Stan %s", as.character(packageVersion("rstan")),
    stan_version())
for (m in models) {
  if (m == "eight_schools") {
    out <- bench("eight_schools", eight_schools_data(),
                 latent = c("mu", "tau", "theta_tilde"), extra_means = "theta")
  } else {
    d <- logistic_data()
    ones <- sum(d$y)
    say("[stan] logistic_regression: N=%d D=%d, count(y==1) = %d", d$N, d$D, ones)
    out <- bench("logistic_regression", d, latent = c("alpha", "beta"))
    out$y_ones <- ones
  }
  emit(out)
}
