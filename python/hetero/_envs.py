"""The built-in environments with Gymnasium's API."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _hetero


class Env:
    """A built-in environment (``cartpole``, ``memory_chain``; with the MuJoCo build the
    locomotion tasks), Gymnasium style: ``reset(seed=None) -> (obs, info)``,
    ``step(action) -> (obs, reward, terminated, truncated, info)``.

    Parameters are ``env.*`` configuration keys (``max_steps``, ``memory_length``,
    ``observation``, …). ``reset(seed)`` gives the initial state ``hetero env --seed`` gives;
    ``reset()`` continues that seed's stream (seed 0 when none was ever given).
    ``action_space`` / ``observation_space`` are gymnasium spaces when gymnasium is installed,
    else ``("discrete", n)`` / ``("box", shape)`` tuples.
    """

    def __init__(self, name: str, **params: Any):
        pairs = [(k, "true" if v is True else "false" if v is False else str(v)) for k, v in params.items()]
        self._env = _hetero.Env(name, pairs)
        self.spec_name = name

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed = {seed!r}: expected a non-negative int")
        return self._env.reset(None if seed is None else int(seed)), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        kind, n = self._env.action_space
        if kind == "discrete":
            if isinstance(action, np.ndarray):
                if action.size != 1:
                    raise ValueError(f"action: expected one int, got an array of shape {action.shape}")
                action = action.reshape(()).item()
            if isinstance(action, (bool, float)) or not isinstance(action, (int, np.integer)):
                raise TypeError(f"action: expected an int in 0..{n}, got {type(action).__name__}")
            action = int(action)
        else:
            a = np.asarray(action)
            if a.shape != (n,):
                raise ValueError(f"action: expected shape ({n},), got {a.shape}")
            action = np.ascontiguousarray(a, dtype=np.float32)
        obs, reward, terminated, truncated = self._env.step(action)
        return obs, reward, terminated, truncated, {}

    @property
    def action_space(self):
        kind, n = self._env.action_space
        try:
            from gymnasium import spaces

            if kind == "discrete":
                return spaces.Discrete(n)
            return spaces.Box(-1.0, 1.0, shape=(n,), dtype=np.float32)
        except ImportError:
            return ("discrete", n) if kind == "discrete" else ("box", (n,))

    @property
    def observation_space(self):
        shape = (self._env.observation_size,)
        try:
            from gymnasium import spaces

            return spaces.Box(-np.inf, np.inf, shape=shape, dtype=np.float32)
        except ImportError:
            return ("box", shape)

    @property
    def max_steps(self) -> int:
        return self._env.max_steps

    def state_values(self) -> list[float] | None:
        """The current episode's physical state (as ``hetero env`` prints it)."""
        return self._env.state_values()

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"hetero.make_env({self.spec_name!r})"


def make_env(name: str, **params: Any) -> Env:
    """A built-in environment with Gymnasium's API; ``params`` are ``env.*`` keys."""
    return Env(name, **params)
