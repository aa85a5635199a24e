"""hetero's rate reservoir against ReservoirPy's, side by side: the same network, timed once each.

Same W (Erdős–Rényi, density 0.1, ρ = 0.9), W_in, bias and inputs (T = 10 000 samples of a
task stimulus); per-neuron leak rates lr = Δt/τ with log-normal τ (mean 5 ms, CV 1).
ReservoirPy runs its `Reservoir(equation="external")` (hetero's equation; 0.3.x) with W as a
scipy CSR matrix (its own default representation); hetero runs its sparse kernel from Python.
"1 profile": one run; "8 profiles": eight τ profiles on the same W, one after another
(hetero: `with_tau(τ).run`, ReservoirPy: a new node with the same arrays and another `lr`), and
hetero's `run_many` (all profiles in one pass over W; bit-identical to the loop). Both
single-threaded, float64. Prints neuron-steps per second (N·T·profiles / s), the ratio of
speeds hetero / ReservoirPy, and the largest state difference (a sanity check).

    python3 -m venv v && v/bin/pip install . "reservoirpy==0.3.16"
    v/bin/python bench/reservoirpy_side_by_side.py [--steps 10000] [--sizes 200 1000] [--profiles 8]
"""

import argparse
import os
import platform
import time

import numpy as np
import reservoirpy
import scipy.sparse
from reservoirpy.nodes import Reservoir as RpyReservoir

import hetero

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=10_000)
parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
parser.add_argument("--profiles", type=int, default=8)
args = parser.parse_args()
reservoirpy.verbosity(0)

T = args.steps
u, _ = hetero.tasks.get("mackey-glass/predict-1", seed=0, length=T)
print(f"hetero {hetero.__version__} vs reservoirpy {reservoirpy.__version__}, numpy {np.__version__}, "
      f"scipy {scipy.__version__}; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
      f"load average {os.getloadavg()[0]:.1f} at start; T = {T}, one timing each")
print()
print("| N | τ profiles | hetero call | hetero neuron-steps/s | ReservoirPy neuron-steps/s | hetero / ReservoirPy | max abs state difference |")
print("|---|---|---|---|---|---|---|")


def timed(f):
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


for n in args.sizes:
    taus = [hetero.tau_profile("lognormal", 5.0, 1.0, n, seed=k) for k in range(args.profiles)]
    base = hetero.Reservoir("rate", n, tau_ms=taus[0], density=0.1, spectral_radius=0.9, seed=0)
    W = scipy.sparse.csr_matrix(base.W)
    W_in, bias = base.W_in, base.bias[:, None]
    for count in sorted({1, args.profiles}):
        reservoirs = [base.with_tau(t) for t in taus[:count]]
        t_rpy, t_loop, diff = 0.0, 0.0, 0.0
        for r in reservoirs:  # one profile at a time, so that only two state arrays are alive
            peer = RpyReservoir(W=W, Win=W_in, bias=bias, lr=r.leak_rates, equation="external", input_dim=1)
            theirs, t = timed(lambda: peer.run(u))
            t_rpy += t
            ours, t = timed(lambda: r.run(u))
            t_loop += t
            diff = max(diff, np.abs(ours - theirs).max())
            del theirs
        work = n * T * count
        rows = [("run per profile", t_loop)]
        if count > 1:
            many, t_many = timed(lambda: base.run_many(u, np.stack(taus[:count])))
            assert np.array_equal(many[-1], ours)
            del many
            rows.append(("run_many", t_many))
        for label, t in rows:
            print(f"| {n} | {count} | {label} | {work / t:.3g} | {work / t_rpy:.3g} | {t_rpy / t:.1f}× | {diff:.1e} |")
