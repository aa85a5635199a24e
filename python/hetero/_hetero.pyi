# --- reservoirs (part 4) ---
# The native half of hetero._reservoir and hetero.tasks (crates/hetero-py/src/reservoirs.rs).
# Arrays are float64 and C-contiguous; the Python wrappers check shapes and dtypes first.

import numpy as np
import numpy.typing as npt

_F64 = npt.NDArray[np.float64]

def tau_profile(family: str, mean_ms: float, cv: float, n: int, seed: int, min_ms: float | None) -> _F64:
    """n values of τ (ms) drawn from the stream a reservoir of n neurons and `seed` draws τ from."""

class Reservoir:
    """hetero-core's reservoir, built from its seed, with optional given W, W_in and bias."""

    def __init__(
        self,
        kind: str,
        n: int,
        inputs: int,
        tau_ms: _F64,
        spectral_radius: float,
        density: float,
        input_scaling: float,
        bias_scaling: float,
        bias_centre: float | None,
        recurrent: bool,
        noise: float,
        dt_ms: float,
        substeps: int | None,
        tau_syn_ms: float | None,
        tau_filter_ms: float | None,
        spike_gain: float | None,
        seed: int,
        w: _F64 | None,
        w_in: _F64 | None,
        bias: _F64 | None,
    ) -> None: ...
    def run(self, inputs: _F64, noise_key: int) -> _F64:
        """States from rest over inputs [T, D]: [T, N]."""
    def run_many(self, inputs: _F64, tau_ms: _F64, noise_key: int) -> _F64:
        """States for each row of tau_ms [P, N]: [P, T, N]."""
    def with_tau(self, tau_ms: _F64) -> Reservoir:
        """The same weights and biases with τ = tau_ms (clipped at Δt)."""
    @property
    def W(self) -> _F64: ...
    @property
    def W_in(self) -> _F64: ...
    @property
    def bias(self) -> _F64: ...
    @property
    def tau_ms(self) -> _F64: ...
    @property
    def n(self) -> int: ...
    @property
    def inputs(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def seed(self) -> int: ...
    @property
    def nnz(self) -> int: ...
    @property
    def dt_ms(self) -> float: ...
    def config(self) -> dict[str, object]: ...
    def last_activity(self) -> dict[str, int]: ...

def ridge_fit(x: _F64, y: _F64, x_val: _F64, y_val: _F64, grid: list[float]) -> tuple[_F64, _F64, _F64]:
    """(weights [N, K], bias [K], chosen relative λ [K])."""

def ridge_predict(x: _F64, weights: _F64, bias: _F64) -> _F64:
    """X·W + 1bᵀ, [T, K]."""

def r2_per_column(pred: _F64, y: _F64) -> _F64:
    """R² per column, [K]."""

def task_names() -> list[str]: ...
def task_get(name: str, seed: int, length: int) -> tuple[_F64, _F64]:
    """(inputs [length, D], targets [length])."""
