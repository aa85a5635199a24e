"""Ask/tell on your own objective: PGPE finding the minimum of a shifted sphere.

    python examples/ask_tell_custom_objective.py [--generations 300]

hetero's strategies maximise (evosax's convention is to minimise: negate your loss). `ask()`
returns a float32 population [popsize, num_dims]; `tell(fitness)` takes one value per member.
"""

import argparse

import numpy as np

import hetero

parser = argparse.ArgumentParser()
parser.add_argument("--generations", type=int, default=300)
args = parser.parse_args()


OPTIMUM = np.linspace(-1.0, 1.0, 10)


def loss(x: np.ndarray) -> np.ndarray:
    """Squared distance of each row to OPTIMUM; 0 at the minimum."""
    return ((x - OPTIMUM) ** 2).sum(axis=1)


es = hetero.PGPE(10, popsize=64, center_lr=0.05, sigma_init=0.3, seed=0)
start = loss(es.mean[None, :].astype(np.float64))[0]
for _ in range(args.generations):
    x = es.ask()
    es.tell(-loss(x.astype(np.float64)))  # maximise the negative loss
end = loss(es.mean[None, :].astype(np.float64))[0]
print(f"loss of the centre: {start:.3f} at generation 0, {end:.5f} at generation {es.generation}")
assert end < start / 10, "PGPE should have closed most of the distance"
