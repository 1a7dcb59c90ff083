#!/usr/bin/env python3
"""NUTS peer benchmark: Pyro 1.8.6 on the two models of ppl's MCMC benchmark.

Pyro itself is not part of this repository.  Point PYRO_SRC at a checkout of
Pyro 1.8.6 (git tag 1.8.6); its dependencies pyro-api and opt_einsum must be
importable too (installed, or through PYTHONPATH).  torch comes from the
system (Debian: python3-torch).

Usage:  mcmc_pyro.py --model eight_schools|logistic_regression|all

Prints one JSON object per model on stdout; progress goes to stderr.

What is measured
  * 4 chains x (1000 warm-up + 1000 draws), NUTS with Pyro's defaults
    (multinomial sampling, step-size and diagonal mass-matrix adaptation,
    target_accept_prob 0.8, max_tree_depth 10, init_to_uniform).
  * The chains run one after another in this process: four MCMC objects with
    num_chains=1 and seeds 0..3.  (Pyro 1.8.6 has no chain_method option; with
    num_chains > 1 it starts worker processes when enough CPUs exist.)
  * wall_s: sum over chains of the wall time of MCMC.run (model setup,
    initialisation, warm-up and sampling).  cpu_s: the same span measured as
    processor time of this process, which is what Stan 2.21 reports as its
    elapsed time and is less disturbed by other load on a shared machine.
  * grad_evals: number of leapfrog steps over warm-up and sampling, counted
    by a NUTS subclass (one per base-tree leaf, which is what Stan reports as
    n_leapfrog__).  The potential/gradient evaluations spent in initialisation
    and in the step-size search are reported separately as potential_calls.
  * ess: pyro.ops.stats.effective_sample_size on draws grouped by chain,
    shape (chains, draws); this is Geyer's initial-sequence estimator pooled
    over chains without splitting them.
"""

import argparse
import json
import math
import os
import sys
import time

# One thread for everything; must be set before torch is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

_src = os.environ.get("PYRO_SRC")
if _src:
    sys.path.insert(0, _src)

import torch  # noqa: E402

import pyro  # noqa: E402
import pyro.distributions as dist  # noqa: E402
from pyro.infer.mcmc import MCMC, NUTS  # noqa: E402
from pyro.ops.stats import effective_sample_size  # noqa: E402

PEER = "pyro-" + pyro.__version__
CHAINS, WARMUP, SAMPLES = 4, 1000, 1000


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- data

ES_Y = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0]
ES_SIGMA = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0]

LR_N, LR_D = 500, 5
LR_TRUE_BETA = [1.5, -1.0, 0.5, 0.0, -0.5]
LR_TRUE_ALPHA = 0.2


def logistic_data():
    """Deterministic data set shared with the C++ and Stan sides (plain floats)."""
    x = [[math.sin(0.37 * (d + 1) * n + 0.5 * d) for d in range(LR_D)]
         for n in range(LR_N)]
    y = []
    for n in range(LR_N):
        eta = LR_TRUE_ALPHA + sum(x[n][d] * LR_TRUE_BETA[d] for d in range(LR_D))
        u = 0.5 + 0.5 * math.sin(1.3 * n + 0.7)
        y.append(1.0 if u < 1.0 / (1.0 + math.exp(-eta)) else 0.0)
    return x, y


# ---------------------------------------------------------------- models

def eight_schools(y, sigma):
    mu = pyro.sample("mu", dist.Normal(torch.tensor(0.0), torch.tensor(5.0)))
    tau = pyro.sample("tau", dist.HalfCauchy(torch.tensor(5.0)))
    with pyro.plate("schools", y.shape[0]):
        theta_tilde = pyro.sample(
            "theta_tilde", dist.Normal(torch.tensor(0.0), torch.tensor(1.0)))
        theta = mu + tau * theta_tilde
        pyro.sample("obs", dist.Normal(theta, sigma), obs=y)


def logistic_regression(x, y):
    d = x.shape[1]
    alpha = pyro.sample("alpha", dist.Normal(torch.tensor(0.0), torch.tensor(1.0)))
    beta = pyro.sample(
        "beta", dist.Normal(torch.zeros(d), torch.ones(d)).to_event(1))
    with pyro.plate("data", x.shape[0]):
        pyro.sample("y", dist.Bernoulli(logits=alpha + x @ beta), obs=y)


# ---------------------------------------------------------------- counting kernel

class CountingNUTS(NUTS):
    """NUTS that counts leapfrog steps and potential-energy evaluations."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.leapfrog_warmup = 0
        self.leapfrog_sampling = 0
        self.potential_calls = 0

    def _initialize_model_properties(self, model_args, model_kwargs):
        super()._initialize_model_properties(model_args, model_kwargs)
        inner = self.potential_fn

        def counted(params):
            self.potential_calls += 1
            return inner(params)

        self.potential_fn = counted

    def _build_basetree(self, *args, **kwargs):
        # One base tree = one leapfrog step.  _t is the 0-based iteration.
        if self._t < self._warmup_steps:
            self.leapfrog_warmup += 1
        else:
            self.leapfrog_sampling += 1
        return super()._build_basetree(*args, **kwargs)


def run_chains(model, model_args, seed0=0):
    """Runs CHAINS chains sequentially; returns draws grouped by chain + stats."""
    per_chain = []
    samples = []
    wall = 0.0
    cpu = 0.0
    for c in range(CHAINS):
        pyro.clear_param_store()
        pyro.set_rng_seed(seed0 + c)
        kernel = CountingNUTS(
            model,
            adapt_step_size=True,
            adapt_mass_matrix=True,
            full_mass=False,
            target_accept_prob=0.8,
            max_tree_depth=10,
        )
        last = {}

        def hook(k, params, stage, i):
            if stage == "Sample" and i == SAMPLES - 1:
                last["step_size"] = float(k.step_size)
                last["accept_prob"] = float(k._mean_accept_prob)

        mcmc = MCMC(kernel, num_samples=SAMPLES, warmup_steps=WARMUP,
                    num_chains=1, disable_progbar=True, hook_fn=hook)
        t0, c0 = time.perf_counter(), time.process_time()
        mcmc.run(*model_args)
        dt = time.perf_counter() - t0
        dc = time.process_time() - c0
        wall += dt
        cpu += dc
        divergences = len(mcmc._diagnostics[0]["divergences"])
        info = {
            "seed": seed0 + c,
            "wall_s": dt,
            "cpu_s": dc,
            "leapfrog_warmup": kernel.leapfrog_warmup,
            "leapfrog_sampling": kernel.leapfrog_sampling,
            "potential_calls": kernel.potential_calls,
            "divergences": divergences,
            "step_size": last.get("step_size"),
            "accept_prob": last.get("accept_prob"),
        }
        per_chain.append(info)
        log("  chain %d: %.1f s (cpu %.1f s), %d+%d leapfrog steps, %d divergences, step %.3g"
            % (c, dt, dc, info["leapfrog_warmup"], info["leapfrog_sampling"],
               divergences, info["step_size"] or float("nan")))
        # get_samples(group_by_chain=True): shape (1, SAMPLES, ...) per site
        samples.append(mcmc.get_samples(group_by_chain=True))
    grouped = {k: torch.cat([s[k] for s in samples], dim=0) for k in samples[0]}
    return grouped, wall, cpu, per_chain


def scalarise(name, draws):
    """(chains, draws, *shape) -> {"name[i]": (chains, draws)} in row-major order."""
    shape = draws.shape[2:]
    if len(shape) == 0:
        return {name: draws}
    flat = draws.reshape(draws.shape[0], draws.shape[1], -1)
    return {"%s[%d]" % (name, i): flat[:, :, i] for i in range(flat.shape[2])}


def result(model_name, grouped, wall, cpu, per_chain, extra_means=None):
    latent = {}
    for name in sorted(grouped):
        latent.update(scalarise(name, grouped[name]))
    ess = {k: float(effective_sample_size(v, chain_dim=0, sample_dim=1))
           for k, v in latent.items()}
    means = {k: float(v.mean()) for k, v in latent.items()}
    if extra_means:
        means.update(extra_means)
    slowest = min(ess, key=ess.get)
    grad_evals = sum(c["leapfrog_warmup"] + c["leapfrog_sampling"] for c in per_chain)
    return {
        "peer": PEER,
        "model": model_name,
        "chains": CHAINS,
        "warmup": WARMUP,
        "samples": SAMPLES,
        "wall_s": wall,
        "grad_evals": grad_evals,
        "us_per_grad": wall * 1e6 / grad_evals,
        "ess": ess,
        "slowest": slowest,
        "ess_min": ess[slowest],
        "ess_per_s": ess[slowest] / wall,
        "divergences": sum(c["divergences"] for c in per_chain),
        "means": means,
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "cpu_s": cpu,
        "potential_calls": sum(c["potential_calls"] for c in per_chain),
        "torch": torch.__version__,
        "per_chain": per_chain,
    }


def bench_eight_schools():
    y = torch.tensor(ES_Y)
    sigma = torch.tensor(ES_SIGMA)
    log("[pyro] eight_schools: %d chains x (%d warm-up + %d draws)"
        % (CHAINS, WARMUP, SAMPLES))
    grouped, wall, cpu, per_chain = run_chains(eight_schools, (y, sigma))
    theta = grouped["mu"].unsqueeze(-1) + grouped["tau"].unsqueeze(-1) * grouped["theta_tilde"]
    extra = {"theta[%d]" % i: float(theta[..., i].mean()) for i in range(theta.shape[-1])}
    return result("eight_schools", grouped, wall, cpu, per_chain, extra)


def bench_logistic_regression():
    xl, yl = logistic_data()
    x = torch.tensor(xl)
    y = torch.tensor(yl)
    ones = int(sum(yl))
    log("[pyro] logistic_regression: N=%d D=%d, count(y==1) = %d"
        % (LR_N, LR_D, ones))
    grouped, wall, cpu, per_chain = run_chains(logistic_regression, (x, y))
    out = result("logistic_regression", grouped, wall, cpu, per_chain)
    out["y_ones"] = ones
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="all",
                    choices=["eight_schools", "logistic_regression", "all"])
    args = ap.parse_args()

    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    log("[pyro] pyro %s, torch %s, threads %d"
        % (pyro.__version__, torch.__version__, torch.get_num_threads()))
    if pyro.__version__ != "1.8.6":
        log("[pyro] warning: expected Pyro 1.8.6, found %s" % pyro.__version__)

    models = (["eight_schools", "logistic_regression"] if args.model == "all"
              else [args.model])
    for m in models:
        out = bench_eight_schools() if m == "eight_schools" else bench_logistic_regression()
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
