"""Ask/tell strategies: equal to hetero's Rust strategies, convergent on known functions, and
strict about their input."""

import json
from pathlib import Path

import numpy as np
import pytest

import hetero

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "strategies.json").read_text())
CLASSES = {"pgpe": hetero.PGPE, "open_es": hetero.OpenES, "snes": hetero.SNES}


def objective(x: np.ndarray) -> np.ndarray:
    """f(x) = −Σ (x − 1)² in float64 (the fixture's objective), maximised at x = 1."""
    d = x.astype(np.float64) - 1.0
    return -(d * d).sum(axis=1)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_populations_and_state_equal_the_rust_strategy(name):
    es = CLASSES[name](6, popsize=8, seed=3, init=np.full(6, 0.5, dtype=np.float32))
    want = FIXTURE[name]
    for g, population in enumerate(want["populations"]):
        x = es.ask()
        assert x.dtype == np.float32 and x.shape == (8, 6)
        assert np.array_equal(x.ravel().astype(np.float64), np.array(population)), f"generation {g}"
        es.tell(objective(x))
    state = es.state_dict()
    assert state["generation"] == 4
    for key, value in want["state"].items():
        assert np.array_equal(state[key], np.array(value)), key
    assert np.array_equal(es.mean, np.array(want["state"][f"{name}.mu"]))


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_strategies_climb_a_sphere(name):
    kwargs = {"open_es": {"lr": 0.05}}.get(name, {})
    es = CLASSES[name](10, popsize=64, seed=1, **kwargs)
    start = objective(es.mean[None, :].astype(np.float32))[0]
    for _ in range(150):
        x = es.ask()
        es.tell(objective(x))
    end = objective(es.mean[None, :].astype(np.float32))[0]
    assert end > 0.1 * start, (start, end)  # at least 90 % of the distance to the optimum closed
    assert es.generation == 150 and es.sigma.shape == (10,)


def test_state_dict_round_trip_continues_identically():
    a = hetero.PGPE(5, popsize=16, seed=2)
    for _ in range(3):
        a.tell(objective(a.ask()))
    b = hetero.PGPE(5, popsize=16, seed=2)
    b.load_state_dict(a.state_dict())
    assert b.generation == 3
    assert np.array_equal(a.ask(), b.ask())


def test_bad_input_raises_with_the_argument_named():
    es = hetero.PGPE(4, popsize=8)
    with pytest.raises(RuntimeError, match="before ask"):
        es.tell(np.zeros(8))
    es.ask()
    with pytest.raises(ValueError, match=r"fitness: expected shape \(8,\), got \(7,\)"):
        es.tell(np.zeros(7))
    with pytest.raises(ValueError, match=r"fitness\[2\] = NaN"):
        es.tell(np.array([0, 0, np.nan, 0, 0, 0, 0, 0], dtype=np.float64))
    with pytest.raises(TypeError, match="fitness"):
        es.tell(np.array(["a"] * 8))
    es.tell(np.arange(8, dtype=np.float32))  # float32 and ints are accepted
    with pytest.raises(ValueError, match="strategy.population = 7"):
        hetero.PGPE(4, popsize=7)
    with pytest.raises(ValueError, match="strategy.pgpe.optimizer"):
        hetero.PGPE(4, optimizer="rmsprop")
    with pytest.raises(ValueError, match=r"init: expected shape \(4,\), got \(3,\)"):
        hetero.PGPE(4, init=np.zeros(3))
    with pytest.raises(TypeError, match="num_dims"):
        hetero.SNES(4.0)
    with pytest.raises(ValueError, match="state"):
        hetero.PGPE(3).load_state_dict({"generation": 1, "pgpe.mu": np.zeros(2)})


def test_help_is_useful():
    doc = hetero.PGPE.__doc__
    assert "maximised" in doc.lower() and "EvoJAX" in doc
