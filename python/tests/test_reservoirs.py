"""Paper B from Python: τ profiles, reservoirs, ridge readouts and the task bank. Values are
checked by hand or against numpy, and one (condition, seed) of the study is reproduced bit for
bit from the published results.csv."""

import csv
import math
import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest

import hetero

from conftest import ROOT, run_cli

# --- tau_profile ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "family, cv", [("uniform", 0.25), ("normal", 0.25), ("gamma", 0.5), ("lognormal", 1.0), ("loguniform", 1.0)]
)
def test_tau_profile_has_the_asked_mean_and_cv(family, cv):
    t = hetero.tau_profile(family, 20.0, cv, 100_000, seed=7)
    assert t.dtype == np.float64 and t.shape == (100_000,)
    assert abs(t.mean() / 20.0 - 1) < 0.03, t.mean()
    assert abs(t.std() / t.mean() / cv - 1) < 0.03, t.std() / t.mean()
    skew = ((t - t.mean()) ** 3).mean() / t.std() ** 3
    if family in ("gamma", "lognormal", "loguniform"):
        assert skew > 0.3
    else:
        assert abs(skew) < 0.05


def test_tau_profile_is_deterministic_per_seed_and_clips_on_request():
    a = hetero.tau_profile("lognormal", 5.0, 1.0, 200, seed=3)
    assert np.array_equal(a, hetero.tau_profile("lognormal", 5.0, 1.0, 200, seed=3))
    assert not np.array_equal(a, hetero.tau_profile("lognormal", 5.0, 1.0, 200, seed=4))
    assert (a < 1.0).any()  # unclipped by default
    c = hetero.tau_profile("lognormal", 5.0, 1.0, 200, seed=3, min_ms=1.0)
    assert np.array_equal(c, np.maximum(a, 1.0))
    assert np.array_equal(hetero.tau_profile("homogeneous", 5.0, 0.0, 4), np.full(4, 5.0))


def test_tau_profile_errors_name_the_value():
    with pytest.raises(ValueError, match="cauchy"):
        hetero.tau_profile("cauchy", 5.0, 1.0, 10)
    with pytest.raises(ValueError, match="uniform CV = 0.9"):
        hetero.tau_profile("uniform", 5.0, 0.9, 10)
    with pytest.raises(ValueError, match="tau mean"):
        hetero.tau_profile("gamma", -1.0, 0.5, 10)
    with pytest.raises(TypeError, match="n: expected an int"):
        hetero.tau_profile("gamma", 5.0, 0.5, 10.0)


# --- Reservoir -----------------------------------------------------------------------------


def test_a_two_neuron_rate_step_by_hand():
    W = np.array([[0.0, 0.5], [-0.3, 0.0]])
    W_in = np.array([[1.0], [0.5]])
    b = np.array([0.1, -0.2])
    r = hetero.Reservoir("rate", 2, tau_ms=[2.0, 4.0], W=W, W_in=W_in, bias=b)  # lr = 1/2, 1/4
    s = r.run(np.array([[1.0], [0.0]]))
    # x(1) = lr·(W_in u + b) from rest; x(2) = x(1) + lr·(−x(1) + W tanh x(1) + b)
    x0, x1 = 0.5 * (1.0 + 0.1), 0.25 * (0.5 - 0.2)
    assert s[0] == pytest.approx([math.tanh(0.55), math.tanh(0.075)], abs=1e-15)
    y0 = x0 + 0.5 * (-x0 + 0.5 * math.tanh(x1) + 0.1)
    y1 = x1 + 0.25 * (-x1 - 0.3 * math.tanh(x0) - 0.2)
    assert s[1] == pytest.approx([math.tanh(y0), math.tanh(y1)], abs=1e-15)
    assert np.array_equal(r.W, W) and np.array_equal(r.W_in, W_in) and np.array_equal(r.bias, b)
    assert np.array_equal(r.leak_rates, [0.5, 0.25])


def test_drawn_weights_follow_the_configuration():
    r = hetero.Reservoir("rate", 300, spectral_radius=0.7, density=0.2, input_scaling=0.5, seed=5, inputs=2)
    assert r.W.shape == (300, 300) and r.W_in.shape == (300, 2) and r.bias.shape == (300,)
    assert abs(np.abs(np.linalg.eigvals(r.W)).max() / 0.7 - 1) < 0.03
    assert r.nnz == np.count_nonzero(r.W) and abs(r.nnz / 300**2 - 0.2) < 0.01
    assert np.abs(r.W_in).max() <= 0.5 and np.abs(r.W_in).max() > 0.45
    assert abs(r.bias.std() - 0.2) < 0.03
    assert np.array_equal(r.tau_ms, np.full(300, 5.0))
    s = hetero.Reservoir("spiking", 100, seed=1)
    assert np.array_equal(s.tau_ms, np.full(100, 25.0)) and s.config["substeps"] == 5
    assert np.abs(s.W_in).max() <= 1.5 and ((s.bias >= 0.9) & (s.bias <= 1.3)).all()


def test_same_seed_same_weights_whatever_the_tau():
    tau = hetero.tau_profile("gamma", 5.0, 1.0, 80, seed=2)
    a = hetero.Reservoir("rate", 80, seed=2)
    b = hetero.Reservoir("rate", 80, tau_ms=tau, seed=2)
    assert np.array_equal(a.W, b.W) and np.array_equal(a.W_in, b.W_in) and np.array_equal(a.bias, b.bias)
    assert np.array_equal(b.tau_ms, np.maximum(tau, 1.0))  # clipped at Δt = 1 ms
    u = np.sin(np.arange(300) * 0.3)[:, None]
    assert np.array_equal(a.with_tau(tau).run(u), b.run(u))
    c = hetero.Reservoir("rate", 80, seed=3)
    assert not np.array_equal(a.W, c.W)


@pytest.mark.parametrize("kind, density", [("rate", 0.1), ("rate", 0.5), ("spiking", 0.1), ("spiking", 0.5)])
def test_own_weights_give_the_same_states(kind, density):
    tau = hetero.tau_profile("lognormal", 5.0 if kind == "rate" else 25.0, 1.0, 50, seed=9)
    a = hetero.Reservoir(kind, 50, tau_ms=tau, density=density, seed=9, inputs=3)
    b = hetero.Reservoir(kind, 50, tau_ms=a.tau_ms, W=a.W, W_in=a.W_in, bias=a.bias)
    u = np.random.default_rng(0).uniform(-1, 1, (400, 3))
    assert np.array_equal(a.run(u), b.run(u))
    assert b.inputs == 3 and b.nnz == a.nnz


@pytest.mark.parametrize("kind, density, noise", [("rate", 0.1, 0.0), ("rate", 0.6, 0.0), ("rate", 0.1, 0.02), ("spiking", 0.1, 0.0)])
def test_run_many_equals_one_run_per_profile(kind, density, noise):
    res = hetero.Reservoir(kind, 40, density=density, noise=noise, seed=3, inputs=2)
    taus = np.stack([hetero.tau_profile("lognormal", 5.0, 1.0, 40, seed=k) for k in range(10)])  # 8 + 2
    u = np.random.default_rng(3).uniform(-1, 1, (250, 2))
    many = res.run_many(u, taus, noise_key=1)
    assert many.shape == (10, 250, 40)
    for k in range(10):
        assert np.array_equal(many[k], res.with_tau(taus[k]).run(u, noise_key=1)), k
    assert res.last_activity()["samples"] == 2500
    with pytest.raises(ValueError, match=r"tau_ms: expected shape \(P, 40\), got \(40,\)"):
        res.run_many(u, taus[0])


@pytest.mark.parametrize("many", [False, True])
def test_ctrl_c_stops_a_long_run(many):
    res = hetero.Reservoir("rate", 1000, density=1.0, seed=0)  # 10⁶ multiply-adds per sample
    u = np.zeros((50_000, 1))  # tens of seconds uninterrupted
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            res.run_many(u, np.full((2, 1000), 5.0)) if many else res.run(u)
    finally:
        timer.cancel()
    assert res.run(u[:3]).shape == (3, 1000)  # still usable


def test_spiking_states_are_filtered_spike_trains():
    r = hetero.Reservoir("spiking", 100, seed=1)
    u = np.random.default_rng(1).uniform(-1, 1, (500, 1))
    s = r.run(u)
    act = r.last_activity()
    assert act["samples"] == 500 and act["spikes"] > 0 and act["synaptic_events"] > 0
    assert (s >= 0).all() and s.max() > 0.5
    assert np.array_equal(s, r.run(u))


def test_removed_recurrence_and_noise():
    r = hetero.Reservoir("rate", 20, recurrent=False, seed=1)
    assert r.nnz == 0 and not r.W.any()
    u = np.full((30, 1), 0.3)
    # Independent leaky filters: x(t) = x(t−1) + (1/5)(−x(t−1) + W_in u + b).
    x = np.zeros(20)
    for t in range(30):
        x += 0.2 * (-x + r.W_in[:, 0] * 0.3 + r.bias)
    assert np.allclose(r.run(u)[-1], np.tanh(x), atol=1e-14)
    n = hetero.Reservoir("rate", 20, noise=0.05, seed=1)
    assert np.array_equal(n.run(u, noise_key=4), n.run(u, noise_key=4))
    assert not np.array_equal(n.run(u, noise_key=4), n.run(u, noise_key=5))


def test_reservoir_errors_name_argument_and_shapes():
    r = hetero.Reservoir("rate", 5)
    with pytest.raises(ValueError, match=r"inputs: expected shape \(T, 1\), got \(10, 2\)"):
        r.run(np.zeros((10, 2)))
    with pytest.raises(ValueError, match=r"inputs: expected shape \(T, 1\), got \(10,\)"):
        r.run(np.zeros(10))
    with pytest.raises(TypeError, match="inputs: expected real numbers, got dtype <U1"):
        r.run(np.array([["a"]]))
    with pytest.raises(ValueError, match=r"inputs\[3, 0\] = nan"):
        r.run(np.array([[0.0], [0.0], [0.0], [np.nan]]))
    with pytest.raises(ValueError, match=r"W: expected shape \(5, 5\), got \(4, 5\)"):
        hetero.Reservoir("rate", 5, W=np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"W_in: expected shape \(5, 2\), got \(5, 1\)"):
        hetero.Reservoir("rate", 5, inputs=2, W_in=np.zeros((5, 1)))
    with pytest.raises(ValueError, match=r"bias: expected shape \(5,\), got \(4,\)"):
        hetero.Reservoir("rate", 5, bias=np.zeros(4))
    with pytest.raises(ValueError, match=r"tau_ms: expected shape \(5,\), got \(3,\)"):
        hetero.Reservoir("rate", 5, tau_ms=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"tau_ms\[2\] = -1"):
        hetero.Reservoir("rate", 5, tau_ms=[1.0, 2.0, -1.0, 4.0, 5.0])
    with pytest.raises(ValueError, match="kind = 'lif'"):
        hetero.Reservoir("lif", 5)
    with pytest.raises(ValueError, match="connection probability = 0"):
        hetero.Reservoir("rate", 5, density=0.0)
    with pytest.raises(TypeError, match="seed: expected an int"):
        hetero.Reservoir("rate", 5, seed=1.5)
    with pytest.raises(ValueError, match=r"tau_ms: expected shape \(5,\)"):
        r.with_tau(np.ones(4))


# --- ridge ---------------------------------------------------------------------------------


def _centred_closed_form(x, y, lam_rel):
    xm, ym = x.mean(0), y.mean(0)
    xc, yc = x - xm, y - ym
    g = xc.T @ xc
    lam = lam_rel * np.trace(g) / x.shape[1]
    w = np.linalg.solve(g + lam * np.eye(x.shape[1]), xc.T @ yc)
    return w, ym - xm @ w


def test_ridge_equals_the_closed_form():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(60, 6)), rng.normal(size=(60, 2))
    ro = hetero.ridge(x, y, lambdas=0.1)
    w, b = _centred_closed_form(x, y, 0.1)
    assert np.allclose(ro.weights, w, atol=1e-12) and np.allclose(ro.bias, b, atol=1e-12)
    assert np.array_equal(ro.lambdas, [0.1, 0.1])
    assert np.allclose(ro.predict(x), x @ w + b, atol=1e-12)
    p = x @ w + b
    r2 = 1 - ((y - p) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)
    assert np.allclose(ro.r2(x, y), r2, atol=1e-12)


def test_ridge_without_penalty_is_least_squares():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 8))
    y = x @ rng.normal(size=8) + 0.7 + 0.01 * rng.normal(size=200)
    ro = hetero.ridge(x, y, lambdas=1e-14)
    coef, *_ = np.linalg.lstsq(np.hstack([x, np.ones((200, 1))]), y, rcond=None)
    assert np.allclose(ro.weights[:, 0], coef[:8], atol=1e-9) and ro.bias[0] == pytest.approx(coef[8], abs=1e-9)
    assert ro.predict(x).shape == (200,) and isinstance(ro.r2(x, y), float)
    assert ro.r2(x, y) > 0.999


def test_ridge_validation_chooses_the_penalty_per_target():
    rng = np.random.default_rng(5)
    x, xv = rng.normal(size=(100, 40)), rng.normal(size=(100, 40))
    a = rng.normal(size=40)
    y = np.stack([x @ a, rng.normal(size=100)], axis=1)  # a clean map, and pure noise
    yv = np.stack([xv @ a, rng.normal(size=100)], axis=1)
    ro = hetero.ridge(x, y, validation=(xv, yv))
    assert ro.lambdas[0] <= 1e-6 and ro.lambdas[1] >= 1.0, ro.lambdas
    assert set(ro.lambdas) <= set(hetero.LAMBDA_GRID)


def test_ridge_errors_name_argument_and_shapes():
    x, y = np.zeros((10, 3)), np.zeros((10, 2))
    with pytest.raises(ValueError, match=r"targets: expected shape \(10, K\), got \(9, 2\)"):
        hetero.ridge(x, y[:9])
    with pytest.raises(ValueError, match=r"states: expected shape \(T, N\), got \(10,\)"):
        hetero.ridge(np.zeros(10), y)
    with pytest.raises(ValueError, match="need validation"):
        hetero.ridge(x, y, lambdas=[0.1, 1.0])
    with pytest.raises(ValueError, match=r"validation states: expected shape \(T, 3\), got \(5, 4\)"):
        hetero.ridge(x, y, validation=(np.zeros((5, 4)), np.zeros((5, 2))))
    with pytest.raises(ValueError, match=r"validation targets: expected shape \(5, 2\), got \(5, 1\)"):
        hetero.ridge(x, y, validation=(np.zeros((5, 3)), np.zeros((5, 1))))
    with pytest.raises(ValueError, match=r"states\[0, 1\] = inf"):
        hetero.ridge(np.array([[0.0, np.inf, 0.0]] * 10), y)
    with pytest.raises(TypeError, match="targets: expected real numbers"):
        hetero.ridge(x, np.array([["a", "b"]] * 10))
    ro = hetero.ridge(np.random.default_rng(0).normal(size=(10, 3)), y)
    with pytest.raises(ValueError, match=r"states: expected shape \(T, 3\), got \(4, 2\)"):
        ro.predict(np.zeros((4, 2)))


# --- tasks ---------------------------------------------------------------------------------


def test_task_names_are_the_cli_bank(hetero_cli, tmp_path):
    names = hetero.tasks.names()
    assert len(names) == len(set(names)) >= 300 and "white/delay-5" in names
    assert names == run_cli(hetero_cli, "tasks", "list", cwd=tmp_path).stdout.split()


def test_task_get_equals_the_cli(hetero_cli, tmp_path):
    for name in ["white/narma-10", "lorenz3/predict-5-c1"]:
        u, y = hetero.tasks.get(name, seed=4, length=300)
        rows = list(csv.reader(run_cli(hetero_cli, "tasks", "show", name, "--seed", "4", "--len", "300", cwd=tmp_path).stdout.splitlines()))
        table = np.array([[float(v) for v in r] for r in rows[1:]])
        assert np.array_equal(u, table[:, 1:-1]) and np.array_equal(y[:, 0], table[:, -1])


def test_task_get_shapes_determinism_and_values():
    u, y = hetero.tasks.get("white/delay-5", seed=1, length=500)
    assert u.shape == (500, 1) and y.shape == (500, 1) and u.dtype == y.dtype == np.float64
    assert np.array_equal(y[5:, 0], u[:-5, 0]) and not y[:5].any()
    u2, y2 = hetero.tasks.get("white/delay-5", seed=1, length=500)
    assert np.array_equal(u, u2) and np.array_equal(y, y2)
    assert not np.array_equal(u, hetero.tasks.get("white/delay-5", seed=2, length=500)[0])
    assert hetero.tasks.get("white3/delay-1-c0", length=50)[0].shape == (50, 3)
    with pytest.raises(ValueError, match="white/no-such-task"):
        hetero.tasks.get("white/no-such-task")
    with pytest.raises(TypeError, match="length: expected an int"):
        hetero.tasks.get("white/delay-5", length=10.0)


# --- the study, reproduced -----------------------------------------------------------------

RESULTS = ROOT / "docs" / "results" / "intrinsic" / "profiles" / "results.csv"


def _study_row(network: str, arm: str, seed: int) -> dict:
    with open(RESULTS) as f:
        for row in csv.DictReader(f):
            if (row["network"], row["arm"], row["seed"]) == (network, arm, str(seed)):
                return row
    raise LookupError((network, arm, seed))


@pytest.mark.parametrize("kind, family, cv", [("rate", "lognormal", 1.0), ("spiking", "lognormal", 1.0), ("rate", "homogeneous", 0.0)])
def test_the_profiles_study_is_reproduced_bit_for_bit(kind, family, cv):
    """Seed 0 of `hetero reproduce intrinsic profiles`: N = 200, split 200/2000/500/1000, every
    task of the bank, λ per task on the validation split; mean capacity = mean of max(0, R²)."""
    seed, n = 0, 200
    washout, train, val, test = 200, 2000, 500, 1000
    total = washout + train + val + test
    tau = hetero.tau_profile(family, 5.0 if kind == "rate" else 25.0, cv, n, seed=seed)
    names = hetero.tasks.names()
    by_stimulus: dict[str, list[str]] = {}
    for name in names:
        by_stimulus.setdefault(name.split("/")[0], []).append(name)
    capacity = {}
    for group in by_stimulus.values():
        pairs = [hetero.tasks.get(name, seed=seed, length=total) for name in group]
        u, y = pairs[0][0], np.hstack([p[1] for p in pairs])
        states = hetero.Reservoir(kind, n, tau_ms=tau, seed=seed, inputs=u.shape[1]).run(u)
        fit_rows, val_rows, test_rows = slice(washout, washout + train), slice(washout + train, total - test), slice(total - test, total)
        readout = hetero.ridge(states[fit_rows], y[fit_rows], validation=(states[val_rows], y[val_rows]))
        for name, r2 in zip(group, readout.r2(states[test_rows], y[test_rows])):
            capacity[name] = max(0.0, r2) if np.isfinite(r2) else 0.0
    total_capacity = 0.0
    for name in names:  # the study's order of summation
        total_capacity += capacity[name]
    row = _study_row(kind, "homogeneous" if family == "homogeneous" else f"{family}-cv1", seed)
    assert total_capacity / len(names) == float(row["mean_capacity"])
    clipped = np.maximum(tau, 1.0)
    assert clipped.mean() == pytest.approx(float(row["tau_mean_ms"]), rel=1e-12)


def test_help_is_useful():
    assert "lr_i = Δt/τ_i" in hetero.Reservoir.__doc__ and "seed" in hetero.Reservoir.__doc__
    assert "relative" in hetero.ridge.__doc__ and "validation" in hetero.ridge.__doc__
    assert "lognormal" in hetero.tau_profile.__doc__
    assert "seed" in hetero.tasks.get.__doc__
