"""hetero: neuronal heterogeneity in spiking networks, from Python.

The engine is hetero's Rust core; this package gives it numpy arrays and Python conventions:

- runs: :func:`train`, :func:`load_run`, :func:`presets` and :class:`Run` (the CLI's run
  directories, bit-identical for a seed);
- strategies with evosax's ask/tell seam (maximisation): :class:`PGPE`, :class:`OpenES`,
  :class:`SNES`;
- the spiking network: :class:`FeedForwardSNN` (a run's network, genome decoding, the Rust
  rollout) and its :class:`Population` simulator stepped one observation at a time, with
  :func:`decode_actions`;
- environments with Gymnasium's API: :func:`make_env`;
- Paper B's reservoirs: :func:`tau_profile`, :class:`Reservoir`, :func:`ridge` (a
  :class:`Readout`) and the temporal task bank :mod:`hetero.tasks`.

Compute runs with the GIL released; Ctrl-C during :func:`train` stops it at the end of the
generation it is in, with the checkpoint written, and raises ``KeyboardInterrupt``.
"""

from ._envs import Env, make_env
from ._reservoir import LAMBDA_GRID, Readout, Reservoir, ridge, tau_profile
from ._runs import Run, load_run, presets, train
from ._snn import FeedForwardSNN, Population, decode_actions
from ._strategies import PGPE, SNES, OpenES
from ._hetero import __version__
from . import tasks

__all__ = [
    "Run",
    "train",
    "load_run",
    "presets",
    "PGPE",
    "OpenES",
    "SNES",
    "FeedForwardSNN",
    "Population",
    "decode_actions",
    "Env",
    "make_env",
    "tau_profile",
    "Reservoir",
    "ridge",
    "Readout",
    "LAMBDA_GRID",
    "tasks",
    "__version__",
]
