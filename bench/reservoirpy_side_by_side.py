"""hetero's rate reservoir against ReservoirPy's, side by side: the same networks, in one run.

Same W (Erdős–Rényi, density 0.1, ρ = 0.9), W_in, bias and inputs (T samples of a task
stimulus); per-neuron leak rates lr = Δt/τ with log-normal τ (mean 5 ms, CV 1), a new τ draw per
condition. ReservoirPy runs its `Reservoir(equation="external")` (hetero's equation; 0.3.x) with
W as a scipy CSR matrix (its own default representation), single-threaded as it is; hetero runs
from Python, float64 like ReservoirPy, on 1 thread and on all cores (`threads=0`; results are the
same bits for any count):

- one network: `Reservoir.run` against ReservoirPy's `run`;
- K conditions sharing W (default 32): hetero's `run_many` (one batched pass over W for all K)
  against K ReservoirPy runs, each a node with the same arrays and its own `lr`.

Prints a Markdown table: neuron-steps per second (N·T·K / s), the ratio of times
ReservoirPy / hetero, and the largest state difference (every condition checked; must be < 1e-5).

    bash scripts/python_tests.sh   # or: python3 -m venv v && v/bin/pip install . "reservoirpy==0.3.16"
    target/python-venv/bin/python bench/reservoirpy_side_by_side.py [--steps 10000] [--sizes 100 400 1600] [--conditions 32]
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
parser.add_argument("--steps", type=int, default=10_000, help="samples of one network's run")
parser.add_argument("--batch-steps", type=int, default=2_000, help="samples of each of the K conditions")
parser.add_argument("--sizes", type=int, nargs="+", default=[100, 400, 1600])
parser.add_argument("--conditions", type=int, default=32)
parser.add_argument("--repeats", type=int, default=3, help="hetero timings per cell (median); ReservoirPy: one")
args = parser.parse_args()
reservoirpy.verbosity(0)

T, TB, K = args.steps, args.batch_steps, args.conditions
u, _ = hetero.tasks.get("mackey-glass/predict-1", seed=0, length=T)
print(f"hetero {hetero.__version__} vs reservoirpy {reservoirpy.__version__}, numpy {np.__version__}, "
      f"scipy {scipy.__version__}; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
      f"load average {os.getloadavg()[0]:.2f} at start; one network T = {T}, {K} conditions T = {TB} each")
print()
print("| N | conditions | hetero call | threads | hetero neuron-steps/s | ReservoirPy neuron-steps/s | ReservoirPy time / hetero time | max abs state difference |")
print("|---|---|---|---|---|---|---|---|")


def timed(f, repeats=1):
    times, out = [], None
    for _ in range(repeats):
        out = None
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return out, sorted(times)[len(times) // 2]


worst = 0.0
for n in args.sizes:
    taus = np.stack([hetero.tau_profile("lognormal", 5.0, 1.0, n, seed=k) for k in range(K)])
    base = hetero.Reservoir("rate", n, tau_ms=taus[0], density=0.1, spectral_radius=0.9, seed=0)
    W = scipy.sparse.csr_matrix(base.W)
    W_in, bias = base.W_in, base.bias[:, None]

    def peer(r):
        return RpyReservoir(W=W, Win=W_in, bias=bias, lr=r.leak_rates, equation="external", input_dim=1)

    # One network.
    theirs, t_rpy = timed(lambda: peer(base).run(u))
    for threads in (1, 0):
        ours, t = timed(lambda: base.run(u, threads=threads), args.repeats)
        diff = float(np.abs(ours - theirs).max())
        worst = max(worst, diff)
        print(f"| {n} | 1 | run | {threads or 'all'} | {n * T / t:.3g} | {n * T / t_rpy:.3g} | {t_rpy / t:.1f}× | {diff:.1e} |")
    del ours, theirs
    # K conditions sharing W.
    ub = u[:TB]
    t_rpy, states = 0.0, []
    for k in range(K):
        s, t = timed(lambda: peer(base.with_tau(taus[k])).run(ub))
        t_rpy += t
        states.append(s)
    for threads in (1, 0):
        many, t = timed(lambda: base.run_many(ub, taus, threads=threads), args.repeats)
        diff = max(float(np.abs(many[k] - states[k]).max()) for k in range(K))
        worst = max(worst, diff)
        work = n * TB * K
        print(f"| {n} | {K} | run_many | {threads or 'all'} | {work / t:.3g} | {work / t_rpy:.3g} | {t_rpy / t:.1f}× | {diff:.1e} |")
    del many, states
if worst >= 1e-5:
    raise SystemExit(f"states differ by {worst:.1e} ≥ 1e-5")
