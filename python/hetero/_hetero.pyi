# Type stubs of the native module `hetero._hetero` (crates/hetero-py). The public API is the
# Python half (python/hetero/*.py), which checks shapes and dtypes and holds the docstrings;
# these stubs say what the native half takes and returns. Keep one section per Rust source file,
# in the order below, each under its own header; tests/test_stubs.py checks that every callable
# the module exports has an entry here.

from collections.abc import Callable
from typing import Any, final

import numpy as np
import numpy.typing as npt

# The native module's own __all__: every export in registration order.
__all__ = [
    "__version__",
    "train",
    "load_arrays",
    "resolve_config",
    "dict_to_toml",
    "presets",
    "Strategy",
    "Env",
    "Network",
    "Population",
    "decode_actions",
    "evaluate_run",
    "Reservoir",
    "tau_profile",
    "ridge_fit",
    "ridge_predict",
    "r2_per_column",
    "task_names",
    "task_get",
    "_panic_for_test",
]

__version__: str

# ---------------------------------------------------------------------------------------------
# runs (runs.rs): train a configuration into a run directory, read run files, presets
# ---------------------------------------------------------------------------------------------

def train(
    source: str | None,
    toml_text: str | None,
    overrides: list[str],
    out: str | None,
    resume: bool,
    progress: Callable[[dict[str, Any]], None] | None,
) -> str:
    """Trains; returns the run directory. `progress(row_dict)` is called after every generation."""

def load_arrays(path: str) -> dict[str, npt.NDArray[np.float32] | npt.NDArray[np.float64]]:
    """Every array of a safetensors file (params, checkpoint), with its shape and dtype."""

def resolve_config(source: str | None, toml_text: str | None, overrides: list[str]) -> dict[str, Any]:
    """The validated configuration (every key) of a preset, TOML path or TOML text, with overrides."""

def dict_to_toml(table: dict[str, Any]) -> str:
    """A nested dict of configuration values as TOML text."""

def presets() -> list[tuple[str, str]]:
    """(name, description) of every built-in preset."""

# ---------------------------------------------------------------------------------------------
# strategies (strategies.rs): evolution strategies with the ask/tell seam (maximisation)
# ---------------------------------------------------------------------------------------------

@final
class Strategy:
    """One strategy (pgpe | open_es | snes), its generation counter and the last ask."""

    def __new__(
        cls,
        name: str,
        num_dims: int,
        popsize: int,
        settings: list[tuple[str, str]],
        seed: int,
        init: npt.NDArray[np.float32] | None,
    ) -> Strategy: ...
    def ask(self) -> npt.NDArray[np.float32]:
        """The population of this generation, [popsize, num_dims]."""

    def tell(self, fitness: npt.NDArray[np.float64]) -> None:
        """Updates from the fitness of the last ask ([popsize], finite; higher is better)."""

    @property
    def generation(self) -> int: ...
    @property
    def popsize(self) -> int: ...
    @property
    def num_dims(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def mean(self) -> npt.NDArray[np.float64]: ...
    @property
    def sigma(self) -> npt.NDArray[np.float64]: ...
    def state_dict(self) -> dict[str, Any]:
        """Every state vector by name plus `generation`."""

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restores what `state_dict` returned."""

# ---------------------------------------------------------------------------------------------
# envs (envs.rs): the built-in environments, Gymnasium style
# ---------------------------------------------------------------------------------------------

@final
class Env:
    """A built-in environment and the state of its current episode."""

    def __new__(cls, name: str, settings: list[tuple[str, str]]) -> Env: ...
    def reset(self, seed: int | None = None, episode: tuple[str, int, int] | None = None) -> npt.NDArray[np.float32]:
        """Starts an episode; `episode` = (stream, generation, index) picks a run's episode."""

    def step(self, action: int | npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], float, bool, bool]:
        """One step: (obs, reward, terminated, truncated)."""

    @property
    def action_space(self) -> tuple[str, int]:
        """("discrete", n) or ("continuous", dim)."""

    @property
    def observation_size(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def max_steps(self) -> int: ...
    def state_values(self) -> list[float] | None:
        """The physical state of the current episode (as `hetero env` prints it)."""

# ---------------------------------------------------------------------------------------------
# snn (snn.rs): the feed-forward spiking network, its population simulator, rollouts
# ---------------------------------------------------------------------------------------------

_ObsNorm = tuple[float, list[float], list[float]]  # (steps, mean, var), EvoJAX's ObsNormalizer

@final
class Network:
    """A configured feed-forward network (`network.*`, `genome.*`, `run.seed`)."""

    def __new__(
        cls, source: str | None, settings: list[tuple[str, str]], inputs: int | None, outputs: int | None
    ) -> Network: ...
    @property
    def num_params(self) -> int: ...
    @property
    def shape(self) -> tuple[int, int, int]:
        """(inputs, hidden, outputs)."""

    @property
    def dt_ms(self) -> float: ...
    @property
    def output_spiking(self) -> bool: ...
    @property
    def seed(self) -> int: ...
    def segments(self) -> list[tuple[str, int, int]]:
        """(name, offset, length) of every genome segment."""

    def initial_genome(self) -> npt.NDArray[np.float32]: ...
    def decode(self, genome: npt.NDArray[np.float32]) -> dict[str, npt.NDArray[np.float32]]:
        """The genome in physical units, by params.safetensors names."""

    def population(self, genomes: npt.NDArray[np.float32], obs_norm: _ObsNorm | None = None) -> Population:
        """A simulator of the members `genomes` (popsize × num_params)."""

    def rollout(
        self,
        genomes: npt.NDArray[np.float32],
        env_name: str,
        env_settings: list[tuple[str, str]],
        episodes: int,
        seed: int,
        stream: str,
        generation: int,
        obs_norm: _ObsNorm | None = None,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """The rollout engine: (returns, steps), each popsize × episodes."""

@final
class Population:
    """A population of networks on `envs` environments each; state kept between steps."""

    def reset(self, envs_per_member: int) -> None: ...
    def reset_where(self, mask: npt.NDArray[np.bool_]) -> None: ...
    def step(self, obs: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """obs [popsize, envs, inputs] → output potentials [popsize, envs, outputs]."""

    def run(
        self, obs: npt.NDArray[np.float32], record: bool = False
    ) -> tuple[npt.NDArray[np.float32], tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]] | None]:
        """obs [T, popsize, envs, inputs] → (outputs [T, …], (hidden_v, spikes) when `record`)."""

    @property
    def popsize(self) -> int: ...
    @property
    def envs(self) -> int: ...
    @property
    def steps(self) -> int: ...
    @property
    def hidden_potentials(self) -> npt.NDArray[np.float32]: ...
    @property
    def output_potentials(self) -> npt.NDArray[np.float32]: ...
    @property
    def spikes(self) -> npt.NDArray[np.bool_]: ...
    @property
    def spike_counts(self) -> npt.NDArray[np.int64]: ...

def decode_actions(
    potentials: npt.NDArray[np.float32], discrete: bool
) -> npt.NDArray[np.int64] | npt.NDArray[np.float32]:
    """Rows of output potentials to actions: first argmax (discrete) or tanh (continuous)."""

def evaluate_run(
    path: str, episodes: int, seed: int | None = None
) -> npt.NDArray[np.float64] | tuple[float, float, int]:
    """A run's centre on fresh episodes as `hetero eval` runs it (or its test score)."""

# ---------------------------------------------------------------------------------------------
# reservoirs (reservoirs.rs): Paper B's reservoirs, τ profiles, ridge readouts, the task bank.
# Arrays are float64 and C-contiguous; the Python wrappers check shapes and dtypes first.
# ---------------------------------------------------------------------------------------------

_F64 = npt.NDArray[np.float64]

def tau_profile(family: str, mean_ms: float, cv: float, n: int, seed: int, min_ms: float | None) -> _F64:
    """n values of τ (ms) drawn from the stream a reservoir of n neurons and `seed` draws τ from."""

@final
class Reservoir:
    """hetero-core's reservoir, built from its seed, with optional given W, W_in and bias."""

    def __new__(
        cls,
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
    ) -> Reservoir: ...
    def run(self, inputs: _F64, noise_key: int, threads: int) -> _F64:
        """States from rest over inputs [T, D]: [T, N]."""
    def run_many(self, inputs: _F64, tau_ms: _F64, noise_key: int, threads: int) -> _F64:
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

# ---------------------------------------------------------------------------------------------
# errors (errors.rs)
# ---------------------------------------------------------------------------------------------

def _panic_for_test() -> None:
    """Panics inside Rust on purpose (raises RuntimeError), for the tests of the panic path."""
