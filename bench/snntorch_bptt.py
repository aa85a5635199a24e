"""The PyTorch + snnTorch equivalent of `hetero bench bptt`, for a side-by-side figure.

Same 4-64-2 network and equations (Paper A Eq. 2 with the reset path, sigmoid-parameterised
τ, per-neuron v_th, v_rest, R, a leaky output layer), snnTorch's ATan surrogate (α = 2) as the
spike function, 500-step episodes, loss = Σ_t d_t · v_o(t), forward + backward by autograd, one
thread; median of 5 timings of 20 episodes. Reports f64 (hetero's precision) and f32.

    python3 -m venv ~/.cache/hetero-snntorch && ~/.cache/hetero-snntorch/bin/pip install torch snntorch
    ~/.cache/hetero-snntorch/bin/python bench/snntorch_bptt.py
"""
import math
import statistics
import time

import snntorch
import torch
from snntorch import surrogate

STEPS, HIDDEN, EPISODES, REPEATS = 500, 64, 20, 5


def bench(dtype):
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    kw = dict(dtype=dtype)
    w_in = (torch.randn(4, HIDDEN, generator=g, **kw) / 2.0).requires_grad_()
    w_out = (torch.randn(HIDDEN, 2, generator=g, **kw) / math.sqrt(HIDDEN)).requires_grad_()
    a_h = torch.full((HIDDEN,), math.log(1 / 3), **kw).requires_grad_()
    th = torch.full((HIDDEN,), 0.5, **kw).requires_grad_()
    vr = torch.zeros(HIDDEN, **kw).requires_grad_()
    r = torch.ones(HIDDEN, **kw).requires_grad_()
    a_o = torch.full((2,), math.log(1 / 3), **kw).requires_grad_()
    vr_o = torch.zeros(2, **kw).requires_grad_()
    r_o = torch.ones(2, **kw).requires_grad_()
    params = [w_in, w_out, a_h, th, vr, r, a_o, vr_o, r_o]
    spike = surrogate.atan(alpha=2.0)
    x = (0.5 * torch.sin(torch.arange(STEPS * 4, **kw) * 0.37)).reshape(STEPS, 4)
    d = torch.cos(torch.arange(STEPS * 2, **kw) * 0.11).reshape(STEPS, 2)

    def episode():
        k, ko = torch.sigmoid(a_h), torch.sigmoid(a_o)
        v, vo = vr * 1.0, vr_o * 1.0
        loss = 0.0
        for t in range(STEPS):
            u = v + k * (r * (x[t] @ w_in) - v + vr)
            s = spike(u - th).to(dtype)  # snnTorch returns float32 spikes
            v = u * (1 - s) + vr * s
            vo = vo + ko * (r_o * (s @ w_out) - vo + vr_o)
            loss = loss + (d[t] * vo).sum()
        for p in params:
            p.grad = None
        loss.backward()

    episode()  # warm-up
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for _ in range(EPISODES):
            episode()
        times.append(time.perf_counter() - t0)
    return EPISODES / statistics.median(times)


if __name__ == "__main__":
    print(f"torch {torch.__version__}, snntorch {snntorch.__version__}, 1 thread, {STEPS}-step episodes, hidden {HIDDEN}")
    for dtype in (torch.float64, torch.float32):
        print(f"{str(dtype):14s} {bench(dtype):8.1f} episodes/s (forward + backward)")
