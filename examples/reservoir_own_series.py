"""A heterogeneous reservoir on your own time series: predict it `--horizon` steps ahead.

    python examples/reservoir_own_series.py                      # a built-in noisy two-sine series
    python examples/reservoir_own_series.py series.csv --column 1 # your CSV (numbers; a header is skipped)
    python examples/reservoir_own_series.py --tiny                # a few hundred samples, N = 50 (CI)

The reservoir has log-normal time constants (mean 5 ms, CV 1, Δt = 1 ms per sample) and is
compared with a homogeneous one of the same seed (same W, W_in and bias; only τ differs). A
ridge readout is fitted on the first 60 % after a washout, its λ chosen on the next 20 %, and
R² is printed on the last 20 %.
"""

import argparse

import numpy as np

import hetero

parser = argparse.ArgumentParser()
parser.add_argument("csv", nargs="?", help="a CSV file of numbers (default: a synthetic series)")
parser.add_argument("--column", type=int, default=0, help="the CSV column to use")
parser.add_argument("--horizon", type=int, default=5, help="predict this many samples ahead")
parser.add_argument("--neurons", type=int, default=300)
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--tiny", action="store_true", help="a tiny budget: 600 samples, 50 neurons")
args = parser.parse_args()

if args.csv:
    series = np.genfromtxt(args.csv, delimiter=",", usecols=[args.column], invalid_raise=False)
    series = series[np.isfinite(series)]  # drops a header row and blanks
else:
    t = np.arange(600 if args.tiny else 6000)
    noise = np.random.default_rng(args.seed).normal(size=t.size)
    series = np.sin(2 * np.pi * t / 37) + 0.5 * np.sin(2 * np.pi * t / 11.3) + 0.1 * noise
n = 50 if args.tiny else args.neurons
if series.size < 100 + args.horizon:
    raise SystemExit(f"{series.size} samples: need at least {100 + args.horizon}")

# Inputs and targets: u(t) and u(t + horizon), standardised by the training part's statistics.
h = args.horizon
u, y = series[:-h, None], series[h:, None]
samples = u.shape[0]
washout = min(100, samples // 10)
fit_end, val_end = washout + int(0.6 * (samples - washout)), washout + int(0.8 * (samples - washout))
mean, std = u[washout:fit_end].mean(), u[washout:fit_end].std() or 1.0
u, y = (u - mean) / std, (y - mean) / std
fit, val, test = slice(washout, fit_end), slice(fit_end, val_end), slice(val_end, samples)

tau = hetero.tau_profile("lognormal", 5.0, 1.0, n, seed=args.seed)
heterogeneous = hetero.Reservoir("rate", n, tau_ms=tau, seed=args.seed)
homogeneous = heterogeneous.with_tau(5.0)
print(f"{samples} samples, horizon {h}, N = {n}; τ: mean {heterogeneous.tau_ms.mean():.2f} ms, "
      f"CV {heterogeneous.tau_ms.std() / heterogeneous.tau_ms.mean():.2f} (clipped at Δt = 1 ms)")
for label, res in [("heterogeneous τ (lognormal, CV 1)", heterogeneous), ("homogeneous τ = 5 ms", homogeneous)]:
    states = res.run(u)
    readout = hetero.ridge(states[fit], y[fit], validation=(states[val], y[val]))
    r2 = readout.r2(states[test], y[test])[0]
    print(f"{label:>36}: test R² = {r2:.4f} (λ_rel = {readout.lambdas[0]:g})")
    assert np.isfinite(r2)
