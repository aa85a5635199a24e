"""Against a peer no one here wrote: hetero's rate reservoir and ReservoirPy's ``Reservoir`` with
per-neuron leak rates lr = Δt/τ, on the same W, W_in, bias and inputs, agree to 1e-5 (float64).

hetero integrates the pre-activation, x ← (1 − lr)·x + lr·(W·tanh(x) + W_in·u + b), state tanh(x):
ReservoirPy's ``equation="external"`` (0.3.x). Its default ``"internal"`` form,
x ← (1 − lr)·x + lr·tanh(W·x + W_in·u + b), is a different network, and the test checks that it
does *not* match (so the comparison can fail). ReservoirPy 0.4 dropped the external form from
``Reservoir``; scripts/python_tests.sh installs the pinned 0.3.16.
"""

import inspect

import numpy as np
import pytest

import hetero

rpy = pytest.importorskip("reservoirpy")
from reservoirpy.nodes import Reservoir as RpyReservoir  # noqa: E402

if "equation" not in inspect.signature(RpyReservoir.__init__).parameters:
    pytest.skip(
        f"reservoirpy {rpy.__version__} has no equation='external' (install reservoirpy==0.3.16)", allow_module_level=True
    )
rpy.verbosity(0)


def peer(res: hetero.Reservoir, equation: str) -> RpyReservoir:
    """ReservoirPy's reservoir with hetero's weights, biases and leak rates."""
    return RpyReservoir(
        W=res.W, Win=res.W_in, bias=res.bias[:, None], lr=res.leak_rates, equation=equation, input_dim=res.inputs
    )


@pytest.mark.parametrize("n, density, inputs", [(100, 0.1, 1), (300, 0.5, 3)])  # sparse and dense kernels
def test_rate_reservoir_equals_reservoirpy_external(n, density, inputs):
    tau = hetero.tau_profile("lognormal", 5.0, 1.0, n, seed=11)
    res = hetero.Reservoir("rate", n, tau_ms=tau, density=density, spectral_radius=0.95, seed=11, inputs=inputs)
    assert res.leak_rates.min() < 0.1 and res.leak_rates.max() == 1.0  # heterogeneous, clipped at Δt
    u = np.random.default_rng(2).uniform(-1, 1, (2000, inputs))
    ours = res.run(u)
    theirs = peer(res, "external").run(u)
    assert theirs.shape == ours.shape == (2000, n)
    assert np.abs(ours - theirs).max() < 1e-5
    assert np.abs(ours).max() > 0.5  # not a trivially quiet network
    # The default (internal) form is another network: the comparison can fail.
    assert np.abs(ours - peer(res, "internal").run(u)).max() > 1e-2


def test_a_task_stimulus_through_both():
    u, _ = hetero.tasks.get("mackey-glass/predict-3", seed=1, length=3000)
    res = hetero.Reservoir("rate", 200, tau_ms=hetero.tau_profile("gamma", 5.0, 1.0, 200, seed=1), seed=1)
    assert np.abs(res.run(u) - peer(res, "external").run(u)).max() < 1e-5
