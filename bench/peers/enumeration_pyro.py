#!/usr/bin/env python3
"""Enumeration peer benchmark: Pyro 1.8.6 on the HMM of ppl's bench/enumeration.

The same model as models/hidden_markov.cpp: K = 3 states, x_0 ~ Categorical(init),
x_t ~ Categorical(transition[x_{t-1}]), y_t ~ Normal(locs[x_t], scale), the states
enumerated in parallel inside pyro.markov and summed out by TraceEnum_ELBO
(max_plate_nesting 0), an empty guide, Adam(0.05); parameters initialised as there.
The data are made as in bench/enumeration.cpp (three levels switching every 25 steps,
plus noise). One thread.

Usage:  enumeration_pyro.py [--lengths 100,1000] [--warmup 2] [--steps 5]

Prints one JSON object: the median ms per SVI step for each length. Pyro itself is not
part of this repository: point PYRO_SRC at a checkout of Pyro 1.8.6 (pyro-api and
opt_einsum importable too); torch comes from the system (Debian: python3-torch).
"""

import argparse
import json
import os
import statistics
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
_src = os.environ.get("PYRO_SRC")
if _src:
    sys.path.insert(0, _src)

import torch  # noqa: E402

import pyro  # noqa: E402
import pyro.distributions as dist  # noqa: E402
from pyro.distributions import constraints  # noqa: E402
from pyro.infer import SVI, TraceEnum_ELBO  # noqa: E402
from pyro.optim import Adam  # noqa: E402


def model(sequence, k=3):
    init = pyro.param("init", lambda: torch.full((k,), 1.0 / k), constraint=constraints.simplex)
    off = 0.2 / (k - 1)
    transition = pyro.param(
        "transition",
        lambda: torch.full((k, k), off) + (0.8 - off) * torch.eye(k),
        constraint=constraints.simplex,
    )
    locs = pyro.param("locs", lambda: torch.linspace(sequence.min(), sequence.max(), k))
    scale = pyro.param("scale", lambda: torch.ones(()), constraint=constraints.positive)
    x = None
    for t in pyro.markov(range(len(sequence))):
        probs = init if t == 0 else transition[x]
        x = pyro.sample(f"x_{t}", dist.Categorical(probs), infer={"enumerate": "parallel"})
        pyro.sample(f"y_{t}", dist.Normal(locs[x], scale), obs=sequence[t])


def guide(sequence, k=3):
    pass


def data(length):
    levels = torch.tensor([-2.0, 0.0, 2.5])
    states = torch.div(torch.arange(length), 25, rounding_mode="floor") % 3
    return levels[states] + 0.7 * torch.randn(length)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="100,1000")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    result = {"pyro_version": pyro.__version__, "torch_version": torch.__version__, "steps": {}}
    for length in (int(n) for n in args.lengths.split(",")):
        pyro.clear_param_store()
        sequence = data(length)
        svi = SVI(model, guide, Adam({"lr": 0.05}), TraceEnum_ELBO(max_plate_nesting=0))
        for _ in range(args.warmup):
            svi.step(sequence)
        times = []
        for _ in range(args.steps):
            start = time.perf_counter()
            loss = svi.step(sequence)
            times.append((time.perf_counter() - start) * 1e3)
        ms = statistics.median(times)
        print(f"pyro hmm_T{length}: {ms:.1f} ms/step", file=sys.stderr)
        result["steps"][f"hmm_T{length}"] = {"median_ms_per_step": ms, "final_loss": loss}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
