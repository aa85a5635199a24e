"""hetero's reservoirs side by side with ReservoirPy on the same networks, in one run (issue 20).

`hetero bench reservoir --export DIR` writes, for N = 100, 400, 1600 (rate network, p = 0.1,
lognormal/gamma/log-uniform/homogeneous tau, 32 conditions of seed 0 sharing W), the weights W,
W_in, the bias, tau, the input u, hetero's states and hetero's timings (one thread): one network
over 10 000 samples and the 32 conditions batched over 2 000 samples. This script then times
ReservoirPy 0.4.x on the same W (scipy CSR), W_in, bias, lr = dt/tau and input:

- `Reservoir.run` as a ReservoirPy user would write it (its own update
  s <- (1 - lr) s + lr tanh(W s + W_in u + b), the protocol of issue 20's table);
- the same node with hetero's update x <- x + lr (-x + W tanh(x) + W_in u + b), features tanh(x)
  (a subclass overriding `_step`; ReservoirPy 0.4.2 has no such option), whose states are
  compared with hetero's (max |difference| over the first 500 samples, f64; must be < 1e-5);
- the 32 conditions as 32 `run`s of 2 000 samples, against hetero's one batched call.

    python3 -m venv /tmp/v20 && /tmp/v20/bin/pip install reservoirpy numpy scipy safetensors
    /tmp/v20/bin/python bench/reservoir_batch_vs_reservoirpy.py --hetero target/release/hetero

Writes bench/results/reservoir_batch_vs_reservoirpy.{md,json} (or --out PREFIX).
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import reservoirpy
import scipy.sparse
from reservoirpy.nodes import Reservoir
from safetensors import safe_open

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--hetero", default="target/release/hetero", help="the hetero binary")
p.add_argument("--out", default="bench/results/reservoir_batch_vs_reservoirpy", help="output prefix (.md, .json)")
p.add_argument("--sizes", default="100,400,1600")
args = p.parse_args()

reservoirpy.verbosity(0)


class HeteroEquation(Reservoir):
    """ReservoirPy's node with hetero's rate update; its "out" state is x (pre-activation)."""

    def _step(self, state, x):
        s = state["out"]
        nxt = s + self.lr * (-s + self.W @ np.tanh(s) + self.Win @ x + self.bias)
        return {"out": nxt}


def node(cls, w, w_in, bias, lr):
    r = cls(units=w.shape[0], lr=lr, W=w, Win=w_in, bias=bias, input_dim=1)
    return r


def timed(f, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2], out


with tempfile.TemporaryDirectory() as tmp:
    t0 = time.perf_counter()
    log = subprocess.run([args.hetero, "bench", "reservoir", "--export", tmp], check=True, capture_output=True, text=True)
    print(log.stdout.strip())
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        path = os.path.join(tmp, f"reservoir-n{n}.safetensors")
        with safe_open(path, "np") as f:
            a = {k: f.get_tensor(k) for k in f.keys()}
            meta = json.loads(f.metadata()["hetero"])
        w = scipy.sparse.csr_matrix(a["w"])
        w_in, bias, tau, dt, u = a["w_in"], a["bias"], a["tau_ms"], float(a["dt_ms"][0]), a["u"]
        k = tau.shape[0]
        check = a["states_0"].shape[0]
        batch_samples = int(meta["batch_samples"])
        # Agreement: hetero's equation in ReservoirPy, condition 0 and condition 31.
        errs = []
        for c, ref in [(0, a["states_0"]), (k - 1, a["states_31_batched"])]:
            r = node(HeteroEquation, w, w_in, bias, dt / tau[c])
            x = r.run(u[:check])
            errs.append(float(np.max(np.abs(np.tanh(x) - ref))))
        # One network, ReservoirPy's own update and hetero's, on the full input.
        rp_s, _ = timed(lambda: node(Reservoir, w, w_in, bias, dt / tau[0]).run(u), 3)
        rph_s, _ = timed(lambda: node(HeteroEquation, w, w_in, bias, dt / tau[0]).run(u), 3)
        # The 32 conditions as 32 runs (ReservoirPy's own update).
        t = time.perf_counter()
        for c in range(k):
            node(Reservoir, w, w_in, bias, dt / tau[c]).run(u[:batch_samples])
        rp32_s = time.perf_counter() - t
        he_s, he32_s = float(meta["single_s"]), float(meta["batch_s"])
        he32f_s = float(meta["batch_fast_tanh_s"])
        samples = u.shape[0]
        rows.append(
            {
                "n": n,
                "nnz": int(meta["nnz"]),
                "samples": samples,
                "max_abs_state_difference": max(errs),
                "hetero_single_s": he_s,
                "reservoirpy_single_s": rp_s,
                "reservoirpy_hetero_equation_single_s": rph_s,
                "hetero_neuron_steps_per_s": samples * n / he_s,
                "reservoirpy_neuron_steps_per_s": samples * n / rp_s,
                "single_ratio": rp_s / he_s,
                "batch_samples": batch_samples,
                "conditions": k,
                "hetero_batched_s": he32_s,
                "reservoirpy_32_runs_s": rp32_s,
                "batched_ratio": rp32_s / he32_s,
                "hetero_batched_fast_tanh_s": he32f_s,
                "batched_fast_tanh_ratio": rp32_s / he32f_s,
            }
        )
        print(json.dumps(rows[-1]))
    wall = time.perf_counter() - t0

load = os.getloadavg()
lines = [
    f"# hetero vs ReservoirPy {reservoirpy.__version__}: same W, W_in, bias, lr = Δt/τ, input (one thread each)",
    "",
    f"`{' '.join(['python', 'bench/reservoir_batch_vs_reservoirpy.py'])}`; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
    f"load average at the end {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; wall {wall:.0f} s. "
    "Rate network, p = 0.1 (ReservoirPy: scipy CSR), numpy "
    f"{np.__version__}, scipy {scipy.__version__}. State agreement: hetero's update run inside ReservoirPy "
    "(subclass) against hetero's states, first 500 samples, conditions 0 and 31 (batched).",
    "",
    "| N | max abs state diff | hetero 1 net neuron-steps/s | ReservoirPy neuron-steps/s | ratio | 32 conditions: hetero batched s | ReservoirPy 32 runs s | ratio | hetero batched, tanh_fast s | ratio |",
    "|---|---|---|---|---|---|---|---|---|---|",
]
for r in rows:
    lines.append(
        f"| {r['n']} | {r['max_abs_state_difference']:.1e} | {r['hetero_neuron_steps_per_s']:.3g} | "
        f"{r['reservoirpy_neuron_steps_per_s']:.3g} | {r['single_ratio']:.1f}× | {r['hetero_batched_s']:.3f} | "
        f"{r['reservoirpy_32_runs_s']:.2f} | {r['batched_ratio']:.1f}× | {r['hetero_batched_fast_tanh_s']:.3f} | "
        f"{r['batched_fast_tanh_ratio']:.1f}× |"
    )
lines.append("")
lines.append(
    f"One network: {rows[0]['samples']} samples, median of 3. 32 conditions: {rows[0]['batch_samples']} samples each "
    "(hetero median of 3 batched calls; ReservoirPy one pass of 32 runs). ReservoirPy with hetero's update "
    "(the agreement check) takes " + ", ".join(f"{r['reservoirpy_hetero_equation_single_s']:.2f} s at N = {r['n']}" for r in rows)
    + " for one network."
)
text = "\n".join(lines) + "\n"
print(text)
os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
with open(args.out + ".md", "w") as f:
    f.write(text)
with open(args.out + ".json", "w") as f:
    json.dump({"rows": rows, "load_average": load, "wall_s": wall}, f, indent=1)
ok = all(r["max_abs_state_difference"] < 1e-5 for r in rows)
if not ok:
    raise SystemExit("states disagree by more than 1e-5")
