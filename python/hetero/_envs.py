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

    def __init__(self, name: str, **params: Any) -> None:
        pairs = [(k, "true" if v is True else "false" if v is False else str(v)) for k, v in params.items()]
        self._env = _hetero.Env(name, pairs)
        self._pairs = pairs
        self.spec_name = name

    def _config(self) -> tuple[str, list[tuple[str, str]]]:
        """The name and ``env.*`` settings this environment was made with."""
        return self.spec_name, list(self._pairs)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        """Start an episode; returns ``(obs, info)`` (obs float32).

        ``seed`` gives the initial state ``hetero env --seed`` gives (episode 0 of generation 0
        of a run with that seed); without it the next episode of the same stream is drawn.
        ``options`` picks any episode a run plays: ``{"stream": "population" | "centre" |
        "evaluation", "generation": g, "episode": e}`` (defaults ``"population"``, 0, 0) starts
        from the state episode e of that batch starts from in a run with this seed (the last
        seed given when ``seed`` is None): ``"population"`` the members' episodes of generation
        g, ``"centre"`` the centre's evaluation, ``"evaluation"`` ``hetero eval`` (generation 0).
        """
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed = {seed!r}: expected a non-negative int")
        episode = None
        if options:
            unknown = sorted(set(options) - {"stream", "generation", "episode"})
            if unknown:
                raise ValueError(f"options: unknown key {unknown[0]!r} (known: stream, generation, episode)")
            stream = options.get("stream", "population")
            if stream not in ("population", "centre", "evaluation"):
                raise ValueError(f"options['stream'] = {stream!r}: expected 'population', 'centre' or 'evaluation'")
            numbers = []
            for key in ("generation", "episode"):
                v = options.get(key, 0)
                if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                    raise ValueError(f"options[{key!r}] = {v!r}: expected a non-negative int")
                numbers.append(int(v))
            episode = (stream, numbers[0], numbers[1])
        return self._env.reset(None if seed is None else int(seed), episode), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        """One step: ``(obs, reward, terminated, truncated, info)``. A discrete action is an int
        in ``0..n``, a continuous one an array of the action size (float32)."""
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
    def action_space(self) -> Any:
        """``gymnasium.spaces.Discrete(n)`` or ``Box(-1, 1, (n,))``; without gymnasium
        ``("discrete", n)`` or ``("box", (n,))``."""
        kind, n = self._env.action_space
        try:
            from gymnasium import spaces  # type: ignore[import-not-found]

            if kind == "discrete":
                return spaces.Discrete(n)
            return spaces.Box(-1.0, 1.0, shape=(n,), dtype=np.float32)
        except ImportError:
            return ("discrete", n) if kind == "discrete" else ("box", (n,))

    @property
    def observation_space(self) -> Any:
        """``gymnasium.spaces.Box(-inf, inf, (size,))``; without gymnasium ``("box", (size,))``."""
        shape = (self._env.observation_size,)
        try:
            from gymnasium import spaces  # type: ignore[import-not-found]

            return spaces.Box(-np.inf, np.inf, shape=shape, dtype=np.float32)
        except ImportError:
            return ("box", shape)

    @property
    def discrete(self) -> bool:
        """True for a discrete action space (actions are the argmax of the output potentials)."""
        return self._env.action_space[0] == "discrete"

    @property
    def max_steps(self) -> int:
        """The step limit (an episode is truncated there)."""
        return self._env.max_steps

    def state_values(self) -> list[float] | None:
        """The current episode's physical state (as ``hetero env`` prints it)."""
        return self._env.state_values()

    def close(self) -> None:
        """Nothing to release (Gymnasium's API)."""

    def __repr__(self) -> str:
        return f"hetero.make_env({self.spec_name!r})"


def make_env(name: str, **params: Any) -> Env:
    """A built-in environment with Gymnasium's API; ``params`` are ``env.*`` keys."""
    return Env(name, **params)
