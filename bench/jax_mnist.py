"""One MNIST generation in JAX, the same network and protocol as `hetero bench mnist`.

784 -> H LIF -> 10 leaky readout, 4 steps per image, pixel/255 as the constant input current,
logits = readout potential after the last step, fitness = -cross-entropy on one minibatch of 1024
shared by the population, PGPE (evosax, ClipUp) with pop 256, from the initial centre.
Neuron mode: fixed LeCun weights shared by the population (X @ W1 computed once per batch,
outside the population map), per-member tau/v_th/v_rest/R of the hidden neurons.
Weight mode: homogeneous neurons, per-member W1 and W2 (batched matmuls).
The population is evaluated in chunks of --member-chunk members with lax.map (the whole
population at once needs pop x batch x H floats per array: 8 GB at H = 8192). The default, 64,
was the fastest measured on the 2-core Xeon (AVX-512), 2026-12-01.
Written in the style of ../shared/peers/jax_baseline (same XLA setup, evosax PGPE + ClipUp).

Run with the peer's venv (bash ../shared/peers/jax_baseline/setup.sh):
    ~/.cache/hetero-jax-peer/bin/python bench/jax_mnist.py --data ../shared/data/mnist --out r.json
Prints median seconds per generation (after compilation) per (mode, hidden).
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--data", default="../shared/data/mnist", help="folder with train-images-idx3-ubyte[.gz] and labels")
p.add_argument("--cases", default="neuron:1024,neuron:2048,neuron:4096,neuron:8192,weight:5,weight:10,weight:21,weight:42")
p.add_argument("--popsize", type=int, default=256)
p.add_argument("--batch", type=int, default=1024)
p.add_argument("--steps", type=int, default=4)
p.add_argument("--gens", type=int, default=5, help="timed generations per case (after one compile generation)")
p.add_argument("--member-chunk", type=int, default=64, help="members per lax.map step; 64 was fastest here (s/generation at hidden 1024: 8: 2.04, 16: 2.10, 32: 2.11, 64: 0.99, 128: 2.39)")
p.add_argument("--devices", type=int, default=2)
p.add_argument("--out", default=None)
args = p.parse_args()

flags = os.environ.get("XLA_FLAGS", "")
if args.devices > 1 and "xla_force_host_platform_device_count" not in flags:
    os.environ["XLA_FLAGS"] = (flags + f" --xla_force_host_platform_device_count={args.devices}").strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from evosax.algorithms import PGPE  # noqa: E402
from evosax.core.optimizer import clipup  # noqa: E402


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(stem):
    for suffix in ("", ".gz"):
        path = os.path.join(args.data, stem + suffix)
        if os.path.exists(path):
            return path
    sys.exit(f"error: {args.data}: no {stem}[.gz]")


images = read_idx(find("train-images-idx3-ubyte")).reshape(-1, 784)
labels = read_idx(find("train-labels-idx1-ubyte")).astype(np.int32)
print(f"jax {jax.__version__} devices={jax.devices()} images={images.shape}", flush=True)

DT, TAU, VTH, VREST, R = 5.0, 20.0, 0.5, 0.0, 1.0
A_TAU = float(np.log(DT / (TAU - DT)))


def build(mode, H):
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    W1_0 = jax.random.normal(k1, (784, H)) / np.sqrt(784)
    W2_0 = jax.random.normal(k2, (H, 10)) / np.sqrt(H)
    if mode == "neuron":
        num_dims = 4 * H
        center0 = jnp.concatenate([jnp.full(H, A_TAU), jnp.full(H, VTH), jnp.full(H, VREST), jnp.full(H, R)])
    else:
        num_dims = 784 * H + H * 10
        center0 = jnp.concatenate([W1_0.ravel(), W2_0.ravel()])
    k_out = DT / TAU  # readout neurons homogeneous (not searched), as hetero's default

    def dynamics(I1, W2, a_tau, vth, vrest, r, y):
        """I1 (B, H) input currents; returns the mean cross-entropy and the hidden spike count."""
        k = jax.nn.sigmoid(a_tau)
        vh = jnp.broadcast_to(vrest, I1.shape)
        vo = jnp.zeros((I1.shape[0], 10))
        spikes = 0.0
        for _ in range(args.steps):
            u = vh + k * (r * I1 - vh + vrest)
            s = (u >= vth).astype(jnp.float32)
            vh = u * (1.0 - s) + vrest * s
            vo = vo + k_out * (R * (s @ W2) - vo + VREST)
            spikes = spikes + s.sum()
        logp = jax.nn.log_softmax(vo)
        return -jnp.take_along_axis(logp, y[:, None], axis=1).mean(), spikes

    def fitness(pop, x, y):
        if mode == "neuron":
            I1 = x @ W1_0  # shared weights: one projection for the whole population

            def member(theta):
                a, vth, vrest, r = theta.reshape(4, H)
                return dynamics(I1, W2_0, a, vth, vrest, r, y)
        else:
            def member(theta):
                W1 = theta[:784 * H].reshape(784, H)
                W2 = theta[784 * H:].reshape(H, 10)
                return dynamics(x @ W1, W2, A_TAU, VTH, VREST, R, y)
        chunks = pop.reshape(-1, args.member_chunk, num_dims)
        loss, spikes = jax.lax.map(jax.vmap(member), chunks)
        return -loss.reshape(-1), spikes.sum()

    n_dev = jax.device_count()
    if n_dev > 1:
        from jax.sharding import Mesh, PartitionSpec as P
        mesh = Mesh(jax.devices(), ("pop",))
        fitness_fn = jax.shard_map(fitness, mesh=mesh, in_specs=(P("pop"), P(), P()), out_specs=(P("pop"), P()), check_vma=False)
    else:
        fitness_fn = fitness

    es = PGPE(population_size=args.popsize, solution=jnp.zeros(num_dims), optimizer=clipup(learning_rate=0.15, max_velocity=0.3))
    es_params = es.default_params.replace(std_init=0.1, std_lr=0.1, std_max_change=0.2)

    def gen_step(state, key, x, y):
        k_ask, k_tell = jax.random.split(key)
        pop, state = es.ask(k_ask, state, es_params)
        fit, _ = fitness_fn(pop, x, y)
        state, _ = es.tell(k_tell, pop, -fit, state, es_params)
        return state, fit.mean()

    state = es.init(jax.random.PRNGKey(1), center0, es_params)
    return jax.jit(gen_step), state, num_dims


rng = np.random.default_rng(0)
rows = []
print("mode   hidden  params  compile_s  s/generation  images*members/s")
for case in args.cases.split(","):
    mode, H = case.split(":")
    H = int(H)
    step, state, dims = build(mode, H)
    times = []
    t0 = time.perf_counter()
    for g in range(args.gens + 1):
        idx = rng.choice(len(labels), args.batch, replace=False)
        x = jnp.asarray(images[idx], jnp.float32) / 255.0
        y = jnp.asarray(labels[idx])
        t = time.perf_counter()
        state, fit = step(state, jax.random.PRNGKey(g), x, y)
        jax.block_until_ready(fit)
        times.append(time.perf_counter() - t)
    compile_s = times[0]
    med = float(np.median(times[1:]))
    params = 4 * H if mode == "neuron" else 794 * H
    rows.append(dict(mode=mode, hidden=H, params=params, compile_s=compile_s, s_per_generation=med,
                     images_members_per_s=args.batch * args.popsize / med, fitness_mean=float(fit)))
    print(f"{mode:6s} {H:6d} {params:7d} {compile_s:10.2f} {med:13.4f} {args.batch * args.popsize / med:17.3e}", flush=True)

if args.out:
    with open(args.out, "w") as f:
        json.dump(dict(args=vars(args), jax=jax.__version__, rows=rows), f, indent=1)
