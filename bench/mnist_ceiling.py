"""How far can the neuron-mode MNIST network go when its neuron properties get exact-ish gradients?

An upper-bound probe for hetero's neuron mode (Paper A Table 3, 4096 neuron parameters): the same
784-H-10 network (fixed LeCun-normal weights, no biases, Eq. 2 LIF hidden layer, leaky
non-spiking output layer, 4 steps of pixel/255 current, logits = output potential after the last
step or the mean over steps), but the per-neuron properties (a = logit of Δt/τ, v_th, v_rest, R,
hidden and output) are trained by backpropagation through time with a fast-sigmoid surrogate and
Adam, instead of by PGPE. If this reaches well above the ES result, the gap is the optimiser's;
if not, it is the model's.

    ~/.cache/hetero-jax-peer/bin/python bench/mnist_ceiling.py --data ../shared/data/mnist --steps 3000

Weights are drawn by numpy from --seed, not hetero's stream, so the draw differs from hetero's
but has the same distribution.
"""
import argparse
import gzip
import os
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(folder):
    def f(stem):
        for ext in (".gz", ""):
            p = os.path.join(folder, stem + ext)
            if os.path.exists(p):
                return read_idx(p)
        raise FileNotFoundError(stem)
    xtr = f("train-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255.0
    ytr = f("train-labels-idx1-ubyte").astype(np.int32)
    xte = f("t10k-images-idx3-ubyte").reshape(-1, 784).astype(np.float32) / 255.0
    yte = f("t10k-labels-idx1-ubyte").astype(np.int32)
    return xtr, ytr, xte, yte


@jax.custom_jvp
def spike(x):
    return (x >= 0).astype(x.dtype)


@spike.defjvp
def spike_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    return spike(x), dx / (1.0 + 10.0 * jnp.abs(x)) ** 2


def forward(p, proj, w_out, steps, readout):
    k = jax.nn.sigmoid(p["h_a"])
    v = jnp.broadcast_to(p["h_vrest"], proj.shape)
    ko = jax.nn.sigmoid(p["o_a"])
    vo = jnp.broadcast_to(p["o_vrest"], (proj.shape[0], w_out.shape[1]))
    acc = 0.0
    for _ in range(steps):
        u = v + k * (p["h_r"] * proj - v + p["h_vrest"])
        s = spike(u - p["h_vth"])
        v = u * (1 - s) + p["h_vrest"] * s
        vo = vo + ko * (p["o_r"] * (s @ w_out) - vo + p["o_vrest"])
        acc = acc + vo
    return vo if readout == "last" else acc / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=3000, help="Adam steps (minibatches)")
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--sim-steps", type=int, default=4)
    ap.add_argument("--readout", choices=["last", "mean"], default="last")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train-weights", action="store_true", help="also train W_in, W_out (not neuron mode)")
    ap.add_argument("--freeze-output", action="store_true", help="output neurons stay at the defaults")
    a = ap.parse_args()
    xtr, ytr, xte, yte = load(a.data)
    rng = np.random.default_rng(a.seed)
    w_in = jnp.asarray(rng.standard_normal((784, a.hidden)).astype(np.float32) / np.sqrt(784))
    w_out = jnp.asarray(rng.standard_normal((a.hidden, 10)).astype(np.float32) / np.sqrt(a.hidden))
    a0 = float(np.log(0.25 / 0.75))
    p = {
        "h_a": jnp.full(a.hidden, a0), "h_vth": jnp.full(a.hidden, 0.5), "h_vrest": jnp.zeros(a.hidden), "h_r": jnp.ones(a.hidden),
        "o_a": jnp.full(10, a0), "o_vrest": jnp.zeros(10), "o_r": jnp.ones(10),
    }
    frozen = {}
    if a.freeze_output:
        frozen = {k: p.pop(k) for k in ("o_a", "o_vrest", "o_r")}
    if a.train_weights:
        p["w_in"], p["w_out"] = w_in, w_out
    opt = optax.adam(a.lr)
    state = opt.init(p)

    def loss_fn(p, x, y):
        p = {**p, **frozen}
        wi = p.get("w_in", w_in)
        wo = p.get("w_out", w_out)
        logits = forward(p, x @ wi, wo, a.sim_steps, a.readout)
        return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @jax.jit
    def step(p, state, x, y):
        l, g = jax.value_and_grad(loss_fn)(p, x, y)
        upd, state = opt.update(g, state, p)
        return optax.apply_updates(p, upd), state, l

    @jax.jit
    def acc(p, x, y):
        p = {**p, **frozen}
        wi = p.get("w_in", w_in)
        wo = p.get("w_out", w_out)
        logits = forward(p, x @ wi, wo, a.sim_steps, a.readout)
        return (logits.argmax(-1) == y).mean()

    t0 = time.time()
    for i in range(a.steps):
        idx = rng.choice(len(xtr), a.batch, replace=False)
        p, state, l = step(p, state, xtr[idx], ytr[idx])
        if (i + 1) % max(1, a.steps // 10) == 0 or i + 1 == a.steps:
            print(f"step {i + 1} loss {float(l):.4f} test_acc {float(acc(p, xte, yte)):.4f} ({time.time() - t0:.0f} s)", flush=True)
    for k, v in {**p, **frozen}.items():
        v = np.asarray(v)
        if v.ndim == 1:
            print(f"{k}: mean {v.mean():.3f} std {v.std():.3f} min {v.min():.3f} max {v.max():.3f}" + (f" {np.round(v, 2)}" if v.size <= 10 else ""))


if __name__ == "__main__":
    main()

