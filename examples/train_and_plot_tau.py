"""Train a preset from Python and plot the learned membrane time constants.

    python examples/train_and_plot_tau.py [--generations 30]

Trains Paper A's working-memory neuron arm (fixed random weights, searched τ, v_th, v_rest, R)
and draws the histogram of the 80 hidden neurons' learned τ to tau_hist.png (needs matplotlib;
without it the histogram is printed as text).
"""

import argparse
import tempfile

import numpy as np

import hetero

parser = argparse.ArgumentParser()
parser.add_argument("--generations", type=int, default=30)
parser.add_argument("--out", default=None, help="run directory (default: a temporary one)")
args = parser.parse_args()

out = args.out or tempfile.mkdtemp(prefix="hetero-example-") + "/run"
run = hetero.train("memory-neuron", out=out, seed=0, generations=args.generations)
tau = run.params["hidden.tau_ms"]
print(f"{run.path}: centre fitness {run.summary['final_centre_fitness']:.3f}; "
      f"τ median {np.median(tau):.1f} ms, 90th percentile {np.percentile(tau, 90):.1f} ms")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.hist(tau, bins=20)
    plt.xlabel("learned τ (ms)")
    plt.ylabel("hidden neurons")
    plt.savefig("tau_hist.png", dpi=100)
    print("wrote tau_hist.png")
except ImportError:
    counts, edges = np.histogram(tau, bins=10)
    for c, lo, hi in zip(counts, edges, edges[1:]):
        print(f"{lo:7.1f}–{hi:7.1f} ms {'#' * int(c)}")
