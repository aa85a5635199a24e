"""Evolution strategies with evosax's ask/tell seam, on any objective. Fitness is MAXIMISED."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _hetero


def _fitness(fitness: Any, popsize: int) -> np.ndarray:
    f = np.asarray(fitness)
    if not (np.issubdtype(f.dtype, np.floating) or np.issubdtype(f.dtype, np.integer)):
        raise TypeError(f"fitness: expected real numbers, got dtype {f.dtype}")
    if f.shape != (popsize,):
        raise ValueError(f"fitness: expected shape ({popsize},), got {f.shape}")
    return np.ascontiguousarray(f, dtype=np.float64)


class _Strategy:
    _name = ""

    def __init__(self, num_dims: int, popsize: int, seed: int, init: Any, settings: dict[str, Any]) -> None:
        for arg, value in (("num_dims", num_dims), ("popsize", popsize), ("seed", seed)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{arg}: expected an int, got {type(value).__name__}")
            if value < 0:
                raise ValueError(f"{arg} = {value}: must not be negative")
        if init is not None:
            init = np.asarray(init)
            if init.shape != (num_dims,):
                raise ValueError(f"init: expected shape ({num_dims},), got {init.shape}")
            init = np.ascontiguousarray(init, dtype=np.float32)
        pairs = [(k, _text(v)) for k, v in settings.items()]
        self._es = _hetero.Strategy(self._name, int(num_dims), int(popsize), pairs, int(seed), init)

    def ask(self) -> np.ndarray:
        """This generation's population: float32 ``[popsize, num_dims]``."""
        return self._es.ask()

    def tell(self, fitness: Any) -> None:
        """Update from the fitness of the last ask: shape ``[popsize]``, finite, higher is better."""
        self._es.tell(_fitness(fitness, self._es.popsize))

    @property
    def mean(self) -> np.ndarray:
        """The search distribution's mean (float64)."""
        return self._es.mean

    @property
    def sigma(self) -> np.ndarray:
        """The per-dimension search widths (float64)."""
        return self._es.sigma

    @property
    def generation(self) -> int:
        """Generations told so far."""
        return self._es.generation

    @property
    def popsize(self) -> int:
        """Members per generation."""
        return self._es.popsize

    @property
    def num_dims(self) -> int:
        """Genome length."""
        return self._es.num_dims

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue: named float64 vectors and ``generation``."""
        return self._es.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (the same strategy, dims and settings)."""
        self._es.load_state_dict(
            {k: (v if k == "generation" else np.ascontiguousarray(v, dtype=np.float64)) for k, v in state.items()}
        )

    def __repr__(self) -> str:
        return f"hetero.{type(self).__name__}(num_dims={self.num_dims}, popsize={self.popsize}, generation={self.generation})"


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class PGPE(_Strategy):
    """PGPE with EvoJAX's semantics (Paper A's strategy; Sehnke et al. 2010).

    Mirrored sampling, centred-rank fitness shaping, and a centre optimiser (``"clipup"``,
    ``"adam"`` or ``"sgd"``). Fitness is maximised. ``init`` is the initial mean (default zeros).
    Every setting is validated as ``hetero train --set strategy.pgpe.<key>=...`` is; a value out of
    range raises ``ValueError`` naming the key. The same seed and fitness give the populations of
    hetero's Rust PGPE, generation by generation.
    """

    _name = "pgpe"

    def __init__(
        self,
        num_dims: int,
        *,
        popsize: int = 256,
        center_lr: float = 0.15,
        sigma_lr: float = 0.1,
        sigma_init: float = 0.1,
        sigma_max_change: float = 0.2,
        optimizer: str = "clipup",
        max_speed: float = 0.3,
        momentum: float = 0.9,
        seed: int = 0,
        init: Any = None,
    ) -> None:
        super().__init__(
            num_dims,
            popsize,
            seed,
            init,
            dict(
                center_lr=center_lr,
                sigma_lr=sigma_lr,
                sigma_init=sigma_init,
                sigma_max_change=sigma_max_change,
                optimizer=optimizer,
                max_speed=max_speed,
                momentum=momentum,
            ),
        )


class OpenES(_Strategy):
    """OpenAI-ES (Salimans et al. 2017): mirrored noise of fixed ``sigma``, centred ranks, an
    Adam step of ``lr`` on the mean, optional weight decay. Fitness is maximised."""

    _name = "open_es"

    def __init__(
        self,
        num_dims: int,
        *,
        popsize: int = 256,
        lr: float = 0.05,
        sigma: float = 0.1,
        weight_decay: float = 0.0,
        seed: int = 0,
        init: Any = None,
    ) -> None:
        super().__init__(num_dims, popsize, seed, init, dict(lr=lr, sigma=sigma, weight_decay=weight_decay))


class SNES(_Strategy):
    """Separable natural evolution strategies (Schaul et al. 2011): a diagonal Gaussian whose
    mean and widths follow the natural gradient of the utility-weighted samples. Maximised."""

    _name = "snes"

    def __init__(
        self,
        num_dims: int,
        *,
        popsize: int = 256,
        mean_lr: float = 1.0,
        sigma_lr: float = 0.1,
        sigma_init: float = 0.1,
        seed: int = 0,
        init: Any = None,
    ) -> None:
        super().__init__(num_dims, popsize, seed, init, dict(mean_lr=mean_lr, sigma_lr=sigma_lr, sigma_init=sigma_init))
