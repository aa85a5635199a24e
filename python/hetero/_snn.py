"""The feed-forward spiking network (Paper A's, SPEC §2) and its population simulator."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import numpy as np

from . import _hetero

if TYPE_CHECKING:
    from ._envs import Env
    from ._runs import Run

_PROPERTIES = ("tau", "v_th", "v_rest", "r")
_NEURON_DEFAULTS = ("dt_ms", "tau_ms", "v_th", "v_rest", "r")
_STREAMS = ("population", "centre", "evaluation")


def _count(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} = {value}: must be at least {minimum}")
    return int(value)


def _real_array(value: Any, name: str, shape: tuple[int | str, ...], dtype: type = np.float32) -> np.ndarray:
    """``value`` as a C-contiguous array of ``dtype`` and ``shape`` (str entries name a length
    that may be anything); ``TypeError`` for a dtype that is not real numbers, ``ValueError``
    naming the expected and the given shape."""
    a = np.asarray(value)
    if a.dtype == np.bool_ or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{name}: expected real numbers ({np.dtype(dtype).name}), got dtype {a.dtype}")
    if a.ndim != len(shape) or any(isinstance(n, int) and n != m for n, m in zip(shape, a.shape)):
        want = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name}: expected shape {want}, got {a.shape}")
    return np.ascontiguousarray(a, dtype=dtype)


def _norm_parts(obs_norm: Mapping[str, Any] | None) -> tuple[float, list[float], list[float]] | None:
    if obs_norm is None:
        return None
    try:
        steps, mean, var = obs_norm["steps"], obs_norm["mean"], obs_norm["var"]
    except (KeyError, TypeError):
        raise TypeError("obs_norm: expected a dict with `steps`, `mean` and `var` (or None)") from None
    steps = float(np.asarray(steps, dtype=np.float64).reshape(-1)[0])
    mean = np.ascontiguousarray(mean, dtype=np.float64).reshape(-1)
    var = np.ascontiguousarray(var, dtype=np.float64).reshape(-1)
    return steps, mean.tolist(), var.tolist()


class FeedForwardSNN:
    """Input → hidden LIF layer → output layer (Paper A's network; SPEC §2), built exactly as a
    run with the same settings and seed builds it.

    ``inputs`` observations drive ``hidden`` leaky integrate-and-fire neurons through fixed
    LeCun-normal weights ``w_in`` (N(0, 1/inputs), drawn from ``seed`` as ``run.seed`` draws
    them), whose spikes drive ``outputs`` output neurons through ``w_out``; the readout is the
    output layer's membrane potential. ``output="leaky"`` (default) makes the output neurons
    non-spiking integrators, ``"spiking"`` gives them threshold and reset.

    The searched vector (the *genome*, ``num_params`` float32 values) holds, in ``mode="neuron"``
    (default), the hidden neurons' ``properties`` (any of ``"tau"``, ``"v_th"``, ``"v_rest"``,
    ``"r"``; τ as the logit a with Δt/τ = sigmoid(a)); in ``mode="weight"`` the weights ``w_in``
    then ``w_out`` (neurons homogeneous); in ``mode="both"`` both. ``output_neurons=True`` also
    searches the output neurons' properties; ``scale`` maps a property to its search scale
    (physical value = scale × genome value). ``neuron_defaults`` set the homogeneous neuron:
    ``dt_ms`` (5), ``tau_ms`` (20), ``v_th`` (0.5), ``v_rest`` (0), ``r`` (1). Every setting is
    validated as the configuration key it stands for (``network.*``, ``genome.*``); a value that
    is not allowed raises ``ValueError`` naming the key.

    Use :meth:`from_run` (or ``run.network()``) to get a run's network, with its observation
    normalisation; ``run.params["genome"]`` is then the run's centre. :meth:`population` gives a
    simulator stepped one observation at a time, :meth:`rollout` the Rust rollout engine.
    """

    def __init__(
        self,
        inputs: int,
        hidden: int,
        outputs: int,
        *,
        mode: str = "neuron",
        properties: Iterable[str] | str = _PROPERTIES,
        output: str = "leaky",
        seed: int = 0,
        output_neurons: bool = False,
        scale: Mapping[str, float] | None = None,
        **neuron_defaults: float,
    ) -> None:
        sizes = [_count("inputs", inputs), _count("hidden", hidden), _count("outputs", outputs)]
        seed = _count("seed", seed, 0)
        if isinstance(properties, str):
            properties = [properties]
        properties = list(properties)
        for p in properties:
            if p not in _PROPERTIES:
                raise ValueError(f"properties: unknown property {p!r} (known: {', '.join(_PROPERTIES)})")
        if not isinstance(output_neurons, bool):
            raise TypeError(f"output_neurons: expected a bool, got {type(output_neurons).__name__}")
        settings = [
            ("network.hidden", str(sizes[1])),
            ("network.output", str(output)),
            ("genome.mode", str(mode)),
            ("genome.properties", "[" + ", ".join(f'"{p}"' for p in properties) + "]"),
            ("genome.output_neurons", "true" if output_neurons else "false"),
            ("run.seed", str(seed)),
        ]
        for key, value in neuron_defaults.items():
            if key not in _NEURON_DEFAULTS:
                raise TypeError(
                    f"FeedForwardSNN() got an unexpected keyword argument {key!r} "
                    f"(neuron defaults: {', '.join(_NEURON_DEFAULTS)})"
                )
            settings.append((f"network.{key}", _number(key, value)))
        for key, value in (scale or {}).items():
            if key not in _PROPERTIES:
                raise ValueError(f"scale: unknown property {key!r} (known: {', '.join(_PROPERTIES)})")
            settings.append((f"genome.scale.{key}", _number(f"scale[{key!r}]", value)))
        self._net = _hetero.Network(None, settings, sizes[0], sizes[2])
        self.obs_norm: dict[str, Any] | None = None
        """Observation normalisation statistics (``steps``, ``mean``, ``var``) a run's network
        normalises with, else ``None``; used by :meth:`population` and :meth:`rollout`."""

    @classmethod
    def from_run(cls, run: "Run | str | os.PathLike") -> "FeedForwardSNN":
        """The network of a run directory (its config.toml: sizes, settings, ``run.seed``), with the
        run's observation normalisation (``obs_norm``) when it used one. Load the run's centre
        with ``run.params["genome"]``."""
        from ._runs import Run

        run = run if isinstance(run, Run) else Run(run)
        net = cls.__new__(cls)
        net._net = _hetero.Network(str(run.path / "config.toml"), [], None, None)
        params = run.params
        net.obs_norm = None
        if "obs_norm.steps" in params:
            net.obs_norm = {
                "steps": float(params["obs_norm.steps"][0]),
                "mean": params["obs_norm.mean"],
                "var": params["obs_norm.var"],
            }
        return net

    @property
    def num_params(self) -> int:
        """Genome length."""
        return self._net.num_params

    @property
    def inputs(self) -> int:
        """Input size."""
        return self._net.shape[0]

    @property
    def hidden(self) -> int:
        """Hidden width."""
        return self._net.shape[1]

    @property
    def outputs(self) -> int:
        """Output size."""
        return self._net.shape[2]

    @property
    def dt_ms(self) -> float:
        """The simulation step Δt (ms)."""
        return self._net.dt_ms

    @property
    def seed(self) -> int:
        """The seed of the fixed weights (``run.seed``)."""
        return self._net.seed

    @property
    def segments(self) -> dict[str, slice]:
        """Where each searched quantity sits in the genome: ``{"hidden.tau": slice(0, 64), ...}``
        (``hidden.tau`` holds the logit a, the others physical values / their scale)."""
        return {name: slice(offset, offset + length) for name, offset, length in self._net.segments()}

    def initial_genome(self) -> np.ndarray:
        """The starting genome (float32 ``[num_params]``): the homogeneous default neurons and,
        where weights are searched, the fixed LeCun draw. A run's strategy starts here."""
        return self._net.initial_genome()

    def decode(self, genome: Any) -> dict[str, np.ndarray]:
        """The network ``genome`` encodes, in physical units, by the names of params.safetensors:
        ``hidden.tau_ms``, ``hidden.v_th``, ``hidden.v_rest``, ``hidden.r`` (``[hidden]``), the same
        for ``output.*`` (``[outputs]``; defaults where not searched), ``w_in`` ``[inputs, hidden]``
        and ``w_out`` ``[hidden, outputs]`` (float32)."""
        return self._net.decode(_real_array(genome, "genome", (self.num_params,)))

    def population(self, genomes: Any, *, obs_norm: Mapping[str, Any] | None | str = "run") -> "Population":
        """A simulator of the members ``genomes`` (float32 ``[popsize, num_params]``, finite).

        ``obs_norm`` are observation statistics to normalise with, as the rollout does
        (``clip((x − mean) / sqrt(clip(var / (steps + 1), 1e-6, 1e6)), −5, 5)``, EvoJAX's
        ObsNormalizer); the default ``"run"`` takes :attr:`obs_norm` (a run's, or none).
        Call :meth:`Population.reset` before the first step.
        """
        g = _real_array(genomes, "genomes", ("popsize", self.num_params))
        return Population(self._net.population(g, _norm_parts(self._pick_norm(obs_norm))), self)

    def rollout(
        self,
        genomes: Any,
        env: "Env",
        episodes: int = 1,
        *,
        seed: int = 0,
        stream: str = "population",
        generation: int = 0,
        obs_norm: Mapping[str, Any] | None | str = "run",
    ) -> tuple[np.ndarray, np.ndarray]:
        """The Rust rollout engine: every member of ``genomes`` plays ``episodes`` episodes of
        ``env`` (an environment from :func:`hetero.make_env`; its settings, not its state).

        Episode e starts from the state ``env.reset(seed=seed, options={"stream": stream,
        "generation": generation, "episode": e})`` draws, so ``stream="population"`` with a run's
        seed and generation g replays the episodes its population met in generation g (the
        fitness is the mean over ``env.episodes`` of them), ``"centre"`` the centre's evaluation,
        ``"evaluation"`` ``hetero eval``'s. Actions are decoded as :func:`decode_actions` does.
        Returns ``(returns, steps)``, each ``[popsize, episodes]`` (float64, int64).
        """
        g = _real_array(genomes, "genomes", ("popsize", self.num_params))
        episodes = _count("episodes", episodes)
        seed = _count("seed", seed, 0)
        generation = _count("generation", generation, 0)
        if stream not in _STREAMS:
            raise ValueError(f"stream = {stream!r}: expected one of {', '.join(map(repr, _STREAMS))}")
        name, pairs = env._config()
        norm = _norm_parts(self._pick_norm(obs_norm))
        return self._net.rollout(g, name, pairs, episodes, seed, stream, generation, norm)

    def _pick_norm(self, obs_norm: Mapping[str, Any] | None | str) -> Mapping[str, Any] | None:
        """``"run"``: the network's own statistics; else the statistics given (or None)."""
        if isinstance(obs_norm, str):
            if obs_norm != "run":
                raise ValueError(f'obs_norm = {obs_norm!r}: expected "run", None or a dict of steps, mean, var')
            return self.obs_norm
        return obs_norm

    def __repr__(self) -> str:
        return (
            f"hetero.FeedForwardSNN(inputs={self.inputs}, hidden={self.hidden}, outputs={self.outputs}, "
            f"num_params={self.num_params}, seed={self.seed})"
        )


def _number(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__}")
    return repr(float(value))


class Population:
    """A population of networks, each on ``envs`` environments side by side (*lanes*), stepped
    one observation at a time with the state kept between steps: one :meth:`step` of the whole
    population is one call, with the GIL released and lanes in parallel.

    Per lane a step is the rollout engine's arithmetic, operation for operation (normalise the
    observation when the network has statistics, project through ``w_in``, step the hidden LIF
    layer, output currents from its spikes, step the output layer), so a loop of :meth:`step`
    with :func:`decode_actions` on :func:`hetero.make_env` environments gives the returns of
    :meth:`FeedForwardSNN.rollout` and ``hetero eval`` bit for bit.

    Non-finite observations raise ``ValueError`` naming the first one (``obs[m, e, i] = nan``)
    and leave the state unchanged: a NaN would otherwise stay in the lane's hidden potentials
    until its reset (it never crosses a threshold). Observations are float32 (float64 input is
    rounded to float32, as the environments produce float32).
    """

    def __init__(self, native: Any, network: FeedForwardSNN) -> None:
        self._pop = native
        self.network = network
        """The :class:`FeedForwardSNN` the members belong to."""

    def reset(self, envs_per_member: int = 1) -> None:
        """Start ``envs_per_member`` lanes per member at rest: potentials at each neuron's
        v_rest, no spikes, zero spike counts."""
        self._pop.reset(_count("envs_per_member", envs_per_member))

    def reset_where(self, mask: Any) -> None:
        """Set the lanes where ``mask`` (bool ``[popsize, envs]``) is true to rest, for a new
        episode there; the other lanes keep their state."""
        m = np.asarray(mask)
        if m.dtype != np.bool_:
            raise TypeError(f"mask: expected a bool array, got dtype {m.dtype}")
        if m.shape != (self.popsize, self.envs):
            raise ValueError(f"mask: expected shape ({self.popsize}, {self.envs}), got {m.shape}")
        self._pop.reset_where(np.ascontiguousarray(m))

    def step(self, obs: Any) -> np.ndarray:
        """One step of every lane: ``obs`` ``[popsize, envs, inputs]`` → the output potentials
        ``[popsize, envs, outputs]`` (float32; the readout actions are decoded from)."""
        self._need_reset()
        return self._pop.step(_real_array(obs, "obs", (self.popsize, self.envs, self.network.inputs)))

    def run(self, obs: Any, *, record: bool = False) -> np.ndarray | dict[str, np.ndarray]:
        """``T`` steps in one call: ``obs`` ``[T, popsize, envs, inputs]`` → output potentials
        ``[T, popsize, envs, outputs]``; the same as ``T`` calls of :meth:`step`. With
        ``record=True`` a dict of ``output`` (those potentials), ``hidden_v`` (hidden membrane
        potentials after each step, float32) and ``spikes`` (hidden spikes, bool), each
        ``[T, popsize, envs, …]``: membrane traces and rasters for analysis. Ctrl-C raises
        ``KeyboardInterrupt`` within about 50 ms, the state left after the last whole step."""
        self._need_reset()
        x = _real_array(obs, "obs", ("T", self.popsize, self.envs, self.network.inputs))
        out, recorded = self._pop.run(x, bool(record))
        if not record:
            return out
        return {"output": out, "hidden_v": recorded[0], "spikes": recorded[1]}

    def _need_reset(self) -> None:
        if self._pop.envs == 0:
            raise RuntimeError("step() before reset(): call reset(envs_per_member) first")

    @property
    def popsize(self) -> int:
        """Members."""
        return self._pop.popsize

    @property
    def envs(self) -> int:
        """Environments (lanes) per member; 0 before :meth:`reset`."""
        return self._pop.envs

    @property
    def steps(self) -> int:
        """Steps since :meth:`reset`."""
        return self._pop.steps

    @property
    def hidden_potentials(self) -> np.ndarray:
        """Hidden membrane potentials after the last step (after reset-on-spike), float32
        ``[popsize, envs, hidden]``."""
        return self._pop.hidden_potentials

    @property
    def output_potentials(self) -> np.ndarray:
        """Output potentials after the last step, float32 ``[popsize, envs, outputs]``."""
        return self._pop.output_potentials

    @property
    def spikes(self) -> np.ndarray:
        """Hidden spikes of the last step, bool ``[popsize, envs, hidden]``."""
        return self._pop.spikes

    @property
    def spike_counts(self) -> np.ndarray:
        """Hidden spikes per neuron since each lane's reset, int64 ``[popsize, envs, hidden]``."""
        return self._pop.spike_counts

    def __repr__(self) -> str:
        return f"hetero.Population(popsize={self.popsize}, envs={self.envs}, steps={self.steps})"


def decode_actions(potentials: Any, *, discrete: bool = True) -> np.ndarray:
    """Output potentials ``[..., outputs]`` to actions as the rollout decodes them: for a
    discrete action space the index of the largest potential, the first on ties (int64
    ``[...]``); for a continuous one ``tanh`` of each potential (float32 ``[..., outputs]``,
    Rust's ``tanh``, so bit-identical to the engine's)."""
    v = np.asarray(potentials)
    if not np.issubdtype(v.dtype, np.floating):
        raise TypeError(f"potentials: expected float32, got dtype {v.dtype}")
    if v.ndim < 1 or v.shape[-1] == 0:
        raise ValueError(f"potentials: expected shape (..., outputs) with outputs >= 1, got {v.shape}")
    flat = np.ascontiguousarray(v, dtype=np.float32).reshape(-1, v.shape[-1])
    out = _hetero.decode_actions(flat, bool(discrete))
    return out.reshape(v.shape[:-1]) if discrete else out.reshape(v.shape)
