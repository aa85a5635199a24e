"""Runs: train a configuration into a run directory and read run directories back."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from . import _hetero

if TYPE_CHECKING:
    import pandas  # type: ignore[import-untyped]

    from ._envs import Env
    from ._snn import FeedForwardSNN

_INT_COLUMNS = {"generation", "member_steps"}


def presets() -> dict[str, str]:
    """The built-in presets: ``{name: one-line description}`` (``hetero presets``)."""
    return dict(_hetero.presets())


def _overrides(overrides: Mapping[str, Any] | None) -> list[str]:
    out = []
    for key, value in (overrides or {}).items():
        if not isinstance(key, str):
            raise TypeError(f"overrides: keys are dotted configuration keys (str), got {type(key).__name__}")
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            text = ",".join(str(v) for v in value)
        else:
            text = str(value)
        out.append(f"{key}={text}")
    return out


def _source(config: str | os.PathLike | Mapping[str, Any]) -> tuple[str | None, str | None]:
    if isinstance(config, Mapping):
        return None, _hetero.dict_to_toml(dict(config))
    if isinstance(config, (str, os.PathLike)):
        return os.fspath(config), None
    raise TypeError(f"config: expected a preset name, a TOML path or a dict, got {type(config).__name__}")


class _Progress:
    """A progress bar: tqdm (terminals and notebooks) when installed, else one updated line."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.total = total
        if enabled:
            try:
                from tqdm.auto import tqdm  # type: ignore[import-untyped]

                self.bar = tqdm(total=total, unit="gen")
            except ImportError:
                self.bar = None

    def __call__(self, row: dict) -> None:
        if not self.enabled:
            return
        text = f"centre {row['centre_fitness']:.4g}, mean {row['fitness_mean']:.4g}"
        if self.bar is not None:
            self.bar.n = row["generation"]
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.refresh()
        else:
            print(f"\rgen {row['generation']}/{self.total} {text}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled:
            print(file=sys.stderr)


def train(
    config: str | os.PathLike | Mapping[str, Any],
    *,
    out: str | os.PathLike | None = None,
    seed: int | None = None,
    generations: int | None = None,
    population: int | None = None,
    threads: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    resume: bool = False,
    progress: bool = True,
) -> "Run":
    """Train a configuration, as ``hetero train`` does, and return the :class:`Run`.

    ``config`` is a preset name (see :func:`presets`), a TOML file, or a nested dict of the same
    keys; ``overrides`` maps dotted keys to values (``{"network.hidden": 32}``), like ``--set``.
    ``out`` is the run directory (default ``runs/<preset>-s<seed>``, numbered when taken). The
    same seed gives bit-identical params to the CLI at any thread count. ``resume=True``
    continues the run in ``out`` from its checkpoint (``generations`` may raise the budget).
    Fitness is maximised. Raises ``ValueError`` for a configuration that is not allowed (the
    message names the key and value), ``FileExistsError`` when ``out`` holds a run, and
    ``KeyboardInterrupt`` on Ctrl-C (the last generation's checkpoint is written).
    """
    source, toml_text = _source(config)
    sets = []
    for key, value, name in (
        ("run.seed", seed, "seed"),
        ("run.generations", generations, "generations"),
        ("strategy.population", population, "population"),
        ("run.threads", threads, "threads"),
    ):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
            if value < 0:
                raise ValueError(f"{name} = {value}: must not be negative")
            sets.append(f"{key}={int(value)}")
    sets += _overrides(overrides)
    total = _hetero.resolve_config(source, toml_text, sets)["run"]["generations"]
    bar = _Progress(total, progress)
    try:
        path = _hetero.train(source, toml_text, sets, None if out is None else os.fspath(out), resume, bar)
    finally:
        bar.close()
    return Run(path)


def load_run(path: str | os.PathLike) -> "Run":
    """Open a run directory written by ``hetero train`` or :func:`train`."""
    return Run(path)


class Run:
    """A run directory: ``path``, ``config``, ``metrics``, ``params``, ``summary``.

    Each attribute reads its file when first used: ``config`` (dict, every key), ``metrics``
    (dict of numpy arrays by metrics.csv column), ``params`` (dict of numpy arrays, the names of
    params.safetensors), ``summary`` (dict from summary.json).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if not (self.path / "config.toml").is_file():
            raise FileNotFoundError(f"{self.path}: not a run directory (no config.toml)")

    def __repr__(self) -> str:
        return f"hetero.Run({str(self.path)!r})"

    @property
    def config(self) -> dict:
        """The run's complete configuration (config.toml, every key) as a nested dict."""
        return _hetero.resolve_config(str(self.path / "config.toml"), None, [])

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        """metrics.csv by column: one value per generation (``generation`` and ``member_steps``
        int64, the others float64)."""
        with open(self.path / "metrics.csv", newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:]
        out = {}
        for i, name in enumerate(header):
            dtype = np.int64 if name in _INT_COLUMNS else np.float64
            out[name] = np.array([r[i] for r in body], dtype=dtype)
        return out

    def metrics_frame(self) -> "pandas.DataFrame":
        """metrics.csv as a pandas DataFrame (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.metrics)

    @property
    def params(self) -> dict[str, np.ndarray]:
        """params.safetensors: the centre in physical units (``hidden.tau_ms``, …, ``w_in``,
        ``w_out``), ``obs_norm.*`` when the run normalised observations, and the raw ``genome``."""
        return _hetero.load_arrays(str(self.path / "params.safetensors"))

    @property
    def checkpoint(self) -> dict[str, np.ndarray]:
        """checkpoint.safetensors: the strategy's state (float64) at the last checkpoint."""
        return _hetero.load_arrays(str(self.path / "checkpoint.safetensors"))

    def network(self) -> "FeedForwardSNN":
        """The run's network (sizes, settings, fixed weights of ``run.seed``, observation
        normalisation): :meth:`FeedForwardSNN.from_run`. Its centre is ``params["genome"]``."""
        from ._snn import FeedForwardSNN

        return FeedForwardSNN.from_run(self)

    def make_env(self) -> "Env":
        """The run's environment (``env.*`` of its config) with Gymnasium's API."""
        from ._envs import make_env

        env = dict(self.config["env"])
        name = env.pop("name")
        return make_env(name, **env)

    def evaluate(self, episodes: int = 10, *, seed: int | None = None) -> Any:
        """The centre on ``episodes`` fresh episodes, as ``hetero eval`` runs it (stream
        "evaluation" of ``seed``, the run's seed by default): the returns, float64
        ``[episodes]``. A classification run gives ``{"accuracy", "loss", "images"}`` on the
        test set instead."""
        for name, value in (("episodes", episodes), ("seed", seed)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))):
                raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
        if episodes < 1:
            raise ValueError(f"episodes = {episodes}: must be at least 1")
        if seed is not None and seed < 0:
            raise ValueError(f"seed = {seed}: must not be negative")
        out = _hetero.evaluate_run(str(self.path), int(episodes), None if seed is None else int(seed))
        if isinstance(out, tuple):
            return {"accuracy": out[0], "loss": out[1], "images": out[2]}
        return out

    @property
    def summary(self) -> dict:
        """summary.json: final and best centre fitness, the generation that solved the task, …"""
        with open(self.path / "summary.json") as f:
            return json.load(f)
