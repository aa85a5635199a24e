"""The temporal task bank of Paper B (``hetero tasks list``): stimuli × target operators.

Every task is ``<stimulus>/<operator>`` (``white/delay-5``, ``lorenz/predict-3``,
``white3/xor-d2c0-d2c1``, …) and is reproducible from its name and a seed; tasks on one
stimulus share it exactly for a seed. Operators (samples before t = 0 count as 0): ``delay-d``
y(t) = u(t − d); ``legendre-…`` products of Legendre polynomials of delayed inputs;
``integrate-T`` a leaky integrator; ``narma-n`` tanh-saturated NARMA-n; ``xor-d`` / ``parity-k``
of sign bits; ``predict-h`` y(t) = u(t + h).

The study (``hetero reproduce intrinsic``) feeds the reservoir of seed ``s`` the stimulus of
seed ``s``: ``get(name, seed=s, length=washout + train + val + test)``.
"""

from __future__ import annotations

import numpy as np

from . import _hetero
from ._reservoir import _int

__all__ = ["names", "get"]


def names() -> list[str]:
    """Every task of the bank, in its fixed order (the order of ``hetero tasks list``)."""
    return _hetero.task_names()


def get(name: str, *, seed: int = 0, length: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """The task ``name`` for ``seed``: ``(inputs, targets)``, float64 ``[length, D]`` and
    ``[length, 1]`` (D = 1, or 3 for the ``white3`` and ``lorenz3`` stimuli). The same name
    and seed always give the same arrays, equal to ``hetero tasks show``. An unknown name
    raises ``ValueError`` naming it.
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected a str, got {type(name).__name__}")
    inputs, targets = _hetero.task_get(name, _int("seed", seed), _int("length", length))
    return inputs, targets[:, None]
