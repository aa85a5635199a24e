"""Paper B from Python: quenched τ profiles, rate and spiking reservoirs, ridge readouts.

Everything is hetero's Rust core in float64, so a reservoir built here with seed ``s`` is the
network of seed ``s`` in ``hetero reproduce intrinsic`` (same W, W_in, bias and τ):

- W, W_in and bias depend on (seed, N, density, inputs) only, τ on (seed, N) only: reservoirs of
  one seed that differ in their τ profile share every weight (the study's paired comparison);
- :func:`tau_profile` with ``seed=s`` draws from the stream a reservoir of ``n`` neurons and seed
  ``s`` draws τ from, so ``Reservoir(..., tau_ms=tau_profile(family, mean, cv, n, seed=s), seed=s)``
  is the study's condition (family, CV) at seed ``s``;
- the study feeds seed ``s``'s reservoir the stimulus of seed ``s``: ``hetero.tasks.get(name, seed=s)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _hetero

#: The study's relative λ grid (λ = λ_rel · tr(X̃ᵀX̃)/N): 1e-8 … 10.
LAMBDA_GRID: tuple[float, ...] = (1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)

_DEFAULT_TAU_MS = {"rate": 5.0, "spiking": 25.0}
_DEFAULT_INPUT_SCALING = {"rate": 1.0, "spiking": 1.5}


def _int(arg: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{arg}: expected an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{arg} = {value}: must be at least {minimum}")
    return int(value)


def _float(arg: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{arg}: expected a number, got {type(value).__name__}")
    return float(value)


def _real_array(arg: str, value: Any) -> np.ndarray:
    a = np.asarray(value)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"{arg}: expected real numbers, got dtype {a.dtype}")
    return a


def _shape(dims: tuple) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def _matrix(arg: str, value: Any, shape: tuple, *, finite: bool = True) -> np.ndarray:
    """``value`` as C-contiguous float64 of ``shape`` (int entries are checked, str entries
    such as ``"T"`` are any size and only name the axis in the message)."""
    a = _real_array(arg, value)
    if a.ndim != len(shape) or any(isinstance(want, int) and got != want for got, want in zip(a.shape, shape)):
        raise ValueError(f"{arg}: expected shape {_shape(shape)}, got {a.shape}")
    a = np.ascontiguousarray(a, dtype=np.float64)
    if finite and not np.isfinite(a).all():
        i = tuple(int(v) for v in np.argwhere(~np.isfinite(a))[0])
        raise ValueError(f"{arg}[{', '.join(map(str, i))}] = {a[i]}: every value must be finite")
    return a


def tau_profile(family: str, mean_ms: float, cv: float, n: int, *, seed: int = 0, min_ms: float | None = None) -> np.ndarray:
    """``n`` quenched time constants τ (ms, float64) from a family at mean ``mean_ms`` and CV ``cv``.

    Families (parameterised by mean μ and CV c, so they differ only in shape at matched mean
    and variance): ``homogeneous`` (τ = μ, ``cv`` ignored), ``uniform`` (c ≤ 1/√3), ``normal``
    (truncated at 0 by resampling), ``gamma`` (shape 1/c²), ``lognormal`` (σ² = ln(1+c²)),
    ``loguniform``. The draw is the one a reservoir of ``n`` neurons and the same ``seed`` makes,
    so ``Reservoir(kind, n, tau_ms=tau_profile(..., n, seed=s), seed=s)`` reproduces the
    study's network of seed ``s``. Values are not clipped unless ``min_ms`` is given (a
    :class:`Reservoir` clips at its Δt, as the study does). An unknown family or a CV out of
    range raises ``ValueError`` naming it.
    """
    if not isinstance(family, str):
        raise TypeError(f"family: expected a str, got {type(family).__name__}")
    return _hetero.tau_profile(
        family,
        _float("mean_ms", mean_ms),
        _float("cv", cv),
        _int("n", n),
        _int("seed", seed),
        None if min_ms is None else _float("min_ms", min_ms),
    )


class Reservoir:
    """A reservoir with quenched, heterogeneous time constants (Paper B), float64 throughout.

    ``kind="rate"``: leaky tanh neurons, one Euler step of Δt per input sample (the "external"
    leaky form, leak rate lr_i = Δt/τ_i)::

        x ← (1 − lr)·x + lr·(W·tanh(x) + W_in·u + b) + √Δt·σ·ξ,    state = tanh(x)

    ``kind="spiking"``: LIF neurons (τ_m heterogeneous, threshold 1, reset to 0), current-based
    exponential synapses (``tau_syn_ms``), ``substeps`` Euler steps per sample; the state is the
    spike train filtered with ``tau_filter_ms``.

    W is Erdős–Rényi with connection probability ``density`` and N(0, 1) entries rescaled to
    ``spectral_radius`` (power iteration); W_in ~ U(−s, s) with s = ``input_scaling`` (rate 1,
    spiking 1.5 by default); bias ~ N(0, ``bias_scaling``²) (rate) or U(c − s, c + s) around
    ``bias_centre`` (spiking, 1.1). ``tau_ms`` is a scalar (homogeneous; default rate 5 ms,
    spiking 25 ms) or N values (e.g. :func:`tau_profile`), clipped below at Δt.

    Seeds: W, W_in and bias depend on (seed, N, density, inputs), τ is what you pass, so the
    reservoir of seed ``s`` is the one ``hetero reproduce intrinsic`` builds for seed ``s``.
    ``W``, ``W_in`` and ``bias``, when given, replace what the seed draws and are used as given
    (no rescaling; ``spectral_radius``, ``density``, ``input_scaling`` and ``bias_scaling`` then
    do not apply to them). The attributes ``W`` (N × N, W_ij from j to i; spiking: the gain
    included), ``W_in`` (N × D), ``bias`` (N) and ``tau_ms`` (N, clipped) give them back, e.g. to
    hand to ReservoirPy (``Reservoir(W=.., Win=.., bias=.., lr=dt/tau, equation="external")``).
    """

    def __init__(
        self,
        kind: str = "rate",
        n: int = 200,
        *,
        tau_ms: Any = None,
        spectral_radius: float = 0.9,
        density: float = 0.1,
        input_scaling: float | None = None,
        bias_scaling: float = 0.2,
        inputs: int | None = None,
        recurrent: bool = True,
        noise: float = 0.0,
        dt_ms: float = 1.0,
        seed: int = 0,
        W: Any = None,
        W_in: Any = None,
        bias: Any = None,
        bias_centre: float | None = None,
        substeps: int | None = None,
        tau_syn_ms: float | None = None,
        tau_filter_ms: float | None = None,
        spike_gain: float | None = None,
    ) -> None:
        if kind not in ("rate", "spiking"):
            raise ValueError(f"kind = {kind!r}: expected 'rate' or 'spiking'")
        n = _int("n", n, 1)
        if W_in is not None and inputs is None:
            w_in_shape = np.shape(W_in)
            inputs = w_in_shape[1] if len(w_in_shape) == 2 else 1
        inputs = _int("inputs", 1 if inputs is None else inputs, 1)
        if W is not None:
            W = _matrix("W", W, (n, n))
        if W_in is not None:
            W_in = _matrix("W_in", W_in, (n, inputs))
        if bias is not None:
            bias = _matrix("bias", bias, (n,))
        tau = _DEFAULT_TAU_MS[kind] if tau_ms is None else tau_ms
        if np.ndim(tau) == 0:
            tau = np.full(n, _float("tau_ms", np.asarray(tau).item()))
        tau = _matrix("tau_ms", tau, (n,))
        if not isinstance(recurrent, (bool, np.bool_)):
            raise TypeError(f"recurrent: expected a bool, got {type(recurrent).__name__}")
        opt = lambda arg, v: None if v is None else _float(arg, v)  # noqa: E731
        self._r = _hetero.Reservoir(
            kind,
            n,
            inputs,
            tau,
            _float("spectral_radius", spectral_radius),
            _float("density", density),
            _float("input_scaling", _DEFAULT_INPUT_SCALING[kind] if input_scaling is None else input_scaling),
            _float("bias_scaling", bias_scaling),
            opt("bias_centre", bias_centre),
            bool(recurrent),
            _float("noise", noise),
            _float("dt_ms", dt_ms),
            None if substeps is None else _int("substeps", substeps, 1),
            opt("tau_syn_ms", tau_syn_ms),
            opt("tau_filter_ms", tau_filter_ms),
            opt("spike_gain", spike_gain),
            _int("seed", seed),
            W,
            W_in,
            bias,
        )

    @classmethod
    def _wrap(cls, native: Any) -> "Reservoir":
        r = cls.__new__(cls)
        r._r = native
        return r

    def run(self, inputs: Any, *, noise_key: int = 0, threads: int = 0) -> np.ndarray:
        """States from rest over ``inputs`` (float64 ``[T, D]``): float64 ``[T, N]``, one row per
        input sample (rate: tanh(x) after the step; spiking: the filtered spike trains). Every
        call starts from rest (x = 0). ``noise_key`` keys the noise stream when ``noise > 0``.
        ``threads``: 0 (default) uses as many cores as pay off for this size (one below about
        60 000 multiply-accumulates per step), n exactly n; rate networks without noise only.
        Results are the same bits for any count.
        Ctrl-C stops the run at the next input sample and raises ``KeyboardInterrupt``.
        """
        u = _matrix("inputs", inputs, ("T", self.inputs))
        return self._r.run(u, _int("noise_key", noise_key), _int("threads", threads))

    def run_many(self, inputs: Any, tau_ms: Any, *, noise_key: int = 0, threads: int = 0) -> np.ndarray:
        """States for several τ profiles on these weights: ``tau_ms`` is ``[P, N]`` (each row
        clipped at Δt), the result float64 ``[P, T, N]``, row ``k`` equal (bit for bit) to
        ``self.with_tau(tau_ms[k]).run(inputs)``. All P profiles run in one pass: each step
        multiplies W with the N × P block of states (rate) or scatters each profile's spikes
        (spiking), much faster than P runs. ``threads`` as in :meth:`run`.
        """
        u = _matrix("inputs", inputs, ("T", self.inputs))
        taus = _matrix("tau_ms", tau_ms, ("P", self.n))
        return self._r.run_many(u, taus, _int("noise_key", noise_key), _int("threads", threads))

    def with_tau(self, tau_ms: Any) -> "Reservoir":
        """The same W, W_in and bias with other time constants (scalar or N values; clipped at Δt)."""
        if np.ndim(tau_ms) == 0:
            tau_ms = np.full(self.n, _float("tau_ms", np.asarray(tau_ms).item()))
        return Reservoir._wrap(self._r.with_tau(_matrix("tau_ms", tau_ms, (self.n,))))

    @property
    def W(self) -> np.ndarray:
        """Recurrent weights as used, float64 ``[N, N]`` (W_ij from j to i; spiking: gain included)."""
        return self._r.W

    @property
    def W_in(self) -> np.ndarray:
        """Input weights, float64 ``[N, D]``."""
        return self._r.W_in

    @property
    def bias(self) -> np.ndarray:
        """Biases, float64 ``[N]``."""
        return self._r.bias

    @property
    def tau_ms(self) -> np.ndarray:
        """Time constants τ (ms) after clipping at Δt, float64 ``[N]``."""
        return self._r.tau_ms

    @property
    def leak_rates(self) -> np.ndarray:
        """Δt/τ per neuron (ReservoirPy's ``lr``)."""
        return self.dt_ms / self.tau_ms

    @property
    def n(self) -> int:
        """Neurons N."""
        return self._r.n

    @property
    def inputs(self) -> int:
        """Input channels D."""
        return self._r.inputs

    @property
    def kind(self) -> str:
        """``"rate"`` or ``"spiking"``."""
        return self._r.kind

    @property
    def seed(self) -> int:
        """The seed W, W_in, the bias and τ were drawn from."""
        return self._r.seed

    @property
    def nnz(self) -> int:
        """Non-zero recurrent weights (0 without recurrence)."""
        return self._r.nnz

    @property
    def dt_ms(self) -> float:
        """The Euler step Δt (ms)."""
        return self._r.dt_ms

    @property
    def config(self) -> dict[str, Any]:
        """The settings it was built with."""
        return self._r.config()

    def last_activity(self) -> dict[str, int]:
        """Counters of the last :meth:`run`: ``samples``, ``spikes`` (spiking), ``synaptic_events``."""
        return self._r.last_activity()

    def __repr__(self) -> str:
        return f"hetero.Reservoir(kind={self.kind!r}, n={self.n}, inputs={self.inputs}, seed={self.seed})"


class Readout:
    """A fitted ridge readout: ``weights`` ``[N, K]``, ``bias`` ``[K]`` and the relative
    ``lambdas`` ``[K]`` chosen per target. :meth:`predict` and :meth:`r2` take states ``[T, N]``
    and give ``[T, K]`` / ``[K]``, or ``[T]`` / a float when fitted on 1-D targets."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, lambdas: np.ndarray, vector: bool) -> None:
        self.weights = weights
        self.bias = bias
        self.lambdas = lambdas
        self._vector = vector

    @property
    def n(self) -> int:
        """Features N the readout takes (the reservoir's neurons)."""
        return int(self.weights.shape[0])

    def predict(self, states: Any) -> np.ndarray:
        """X·W + b."""
        x = _matrix("states", states, ("T", self.n))
        p = _hetero.ridge_predict(x, self.weights, self.bias)
        return p[:, 0] if self._vector else p

    def r2(self, states: Any, targets: Any) -> np.ndarray | float:
        """R² = 1 − Σ(y − ŷ)²/Σ(y − ȳ)² per target on (``states``, ``targets``) (NaN for a constant target)."""
        x = _matrix("states", states, ("T", self.n))
        y = _targets("targets", targets, x.shape[0], self.weights.shape[1])
        r = _hetero.r2_per_column(_hetero.ridge_predict(x, self.weights, self.bias), y)
        return float(r[0]) if self._vector else r

    def __repr__(self) -> str:
        return f"hetero.Readout(n={self.n}, targets={self.weights.shape[1]})"


def _targets(arg: str, value: Any, t: int, k: int | None) -> np.ndarray:
    y = _real_array(arg, value)
    if y.ndim == 1 and y.shape[0] == t and k in (None, 1):
        y = y[:, None]
    return _matrix(arg, y, (t, "K" if k is None else k))


def ridge(states: Any, targets: Any, *, lambdas: Any = None, validation: Any = None) -> Readout:
    """Ridge readouts of every target on ``states``, with an unpenalised bias (hetero's readout).

    ``states`` is ``[T, N]``, ``targets`` ``[T, K]`` or ``[T]``. Penalties are *relative*:
    λ = λ_rel · tr(X̃ᵀX̃)/N on the centred states X̃, so one grid fits any scale. With
    ``validation=(states_val, targets_val)``, each target keeps the λ_rel of ``lambdas``
    (default :data:`LAMBDA_GRID`, 1e-8 … 10) with the smallest squared error on the validation
    pair, as the study does; without it, ``lambdas`` must be one value (default 1e-6).
    Solved by one symmetric eigendecomposition of X̃ᵀX̃ for all targets and λ, sequentially
    (results do not depend on the thread count).
    """
    x = _matrix("states", states, ("T", "N"))
    vector = np.ndim(targets) == 1
    y = _targets("targets", targets, x.shape[0], None)
    if lambdas is None:
        grid = list(LAMBDA_GRID) if validation is not None else [1e-6]
    else:
        grid = [float(v) for v in np.atleast_1d(_real_array("lambdas", lambdas)).ravel()]
        if not grid:
            raise ValueError("lambdas: give at least one value")
        if any(not (np.isfinite(v) and v >= 0) for v in grid):
            raise ValueError(f"lambdas = {grid}: every value must be a non-negative number")
    if validation is None:
        if len(grid) > 1:
            raise ValueError(f"lambdas: {len(grid)} values need validation=(states_val, targets_val) to choose among them")
        xv, yv = x[:1], y[:1]  # not used: one λ needs no choice
    else:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError("validation: expected a pair (states_val, targets_val)")
        xv = _matrix("validation states", validation[0], ("T", x.shape[1]))
        yv = _targets("validation targets", validation[1], xv.shape[0], y.shape[1])
    if x.shape[0] < 2:
        raise ValueError(f"states: expected at least 2 rows, got {x.shape}")
    weights, bias, chosen = _hetero.ridge_fit(x, y, xv, yv, grid)
    return Readout(weights, bias, chosen, vector)
