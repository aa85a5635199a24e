"""The overhead of calling hetero from Python (issue 18), two figures:

(a) training: ``hetero.train("cartpole")`` in a fresh ``python -c`` process against
    ``hetero train cartpole`` on the CLI, the same seed and settings, whole-process wall time
    (interpreter start, import, training, files) over ``--runs`` runs each, interleaved; the two
    runs' params are checked bit-identical; (a0) the same for one generation (the fixed cost);
(b) stepping: a Python loop of ``sim.step`` + ``decode_actions`` + ``env.step`` on native
    environments (``hetero.make_env``) against the Rust rollout engine (``net.rollout``) on the
    same population and episodes (the preset's network, a PGPE population around the centre (a)
    trained); the returns are checked equal. Member-steps per second for both.

    python bench/python_overhead.py [--runs 3] [--generations N] [--hetero-bin target/release/hetero]

Needs the package installed (``pip install .``) and the CLI built (``cargo build --release``).
Prints a markdown table (the README quotes it) and, with ``--json FILE``, writes the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import hetero

ROOT = Path(__file__).resolve().parents[1]


def wall(cmd: list[str], cwd: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def training(binary: str, runs: int, generations: int | None) -> dict:
    cli_s, py_s = [], []
    extra = [] if generations is None else ["--generations", str(generations)]
    gen_kw = "" if generations is None else f", generations={generations}"
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            cli_s.append(wall([binary, "train", "cartpole", "--seed", "0", "--out", f"cli{i}", *extra], tmp))
            code = f"import hetero; hetero.train('cartpole', seed=0, out='py{i}', progress=False{gen_kw})"
            py_s.append(wall([sys.executable, "-c", code], tmp))
        a, b = hetero.load_run(Path(tmp) / "cli0").params, hetero.load_run(Path(tmp) / "py0").params
        same = all(np.array_equal(a[k].view(np.uint8), b[k].view(np.uint8)) for k in a) and sorted(a) == sorted(b)
    return {"cli_s": cli_s, "python_s": py_s, "params_identical": same, "centre": a["genome"].tolist()}


def stepping(repeats: int, centre: np.ndarray) -> dict:
    """PGPE's population around the trained centre (long episodes), one episode each."""
    net = hetero.FeedForwardSNN(4, 64, 2, seed=0)  # the cartpole preset's network (hidden 64, run.seed 0)
    genomes = hetero.PGPE(net.num_params, popsize=256, sigma_init=0.02, seed=1, init=centre).ask()
    env = hetero.make_env("cartpole")
    popsize = genomes.shape[0]
    rust_s = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        returns, steps = net.rollout(genomes, env, 1, seed=0)
        rust_s.append(time.perf_counter() - t0)
    member_steps = int(steps.sum())

    py_s, in_step_s = [], []
    for _ in range(repeats):
        in_step = 0.0
        t0 = time.perf_counter()
        envs = [hetero.make_env("cartpole") for _ in range(popsize)]
        obs = np.stack([e.reset(seed=0, options={"episode": 0})[0] for e in envs])[:, None, :]
        sim = net.population(genomes)
        sim.reset(1)
        done = np.zeros(popsize, bool)
        py_returns = np.zeros(popsize)
        while not done.all():
            t1 = time.perf_counter()
            v = sim.step(obs)
            in_step += time.perf_counter() - t1
            actions = hetero.decode_actions(v)
            for m in np.flatnonzero(~done):
                o, r, terminated, truncated, _ = envs[m].step(actions[m, 0])
                py_returns[m] += r
                obs[m, 0] = o
                done[m] = terminated or truncated
        py_s.append(time.perf_counter() - t0)
        in_step_s.append(in_step)
    assert np.array_equal(py_returns, returns[:, 0]), "the Python loop and the rollout differ"
    return {
        "member_steps": member_steps,
        "rust_s": rust_s,
        "python_s": py_s,
        "in_step_s": in_step_s,
        "popsize": popsize,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="training runs per side (default 3)")
    ap.add_argument("--generations", type=int, default=None, help="training budget (default: the preset's 100)")
    ap.add_argument("--repeats", type=int, default=5, help="repeats of the stepping comparison (default 5)")
    ap.add_argument("--hetero-bin", default=os.environ.get("HETERO_BIN", str(ROOT / "target" / "release" / "hetero")))
    ap.add_argument("--json", default=None, help="also write the numbers here")
    args = ap.parse_args()
    threads = os.cpu_count()
    print(
        f"hetero {hetero.__version__}, {threads} cores, load average {os.getloadavg()[0]:.1f} at start", file=sys.stderr
    )
    t0 = training(args.hetero_bin, args.runs, 1)  # the fixed cost: start-up, one generation, files
    t0.pop("centre")
    t = training(args.hetero_bin, args.runs, args.generations)
    s = stepping(args.repeats, np.array(t.pop("centre"), np.float32))
    cli, py = statistics.median(t["cli_s"]), statistics.median(t["python_s"])
    rust, loop = statistics.median(s["rust_s"]), statistics.median(s["python_s"])
    budget = "100 generations" if args.generations is None else f"{args.generations} generations"
    print("| what | CLI / Rust | Python | Python ÷ Rust |")
    print("|---|---|---|---|")
    cli0, py0 = statistics.median(t0["cli_s"]), statistics.median(t0["python_s"])
    print(
        f"| (a0) `train cartpole`, seed 0, 1 generation, whole process, median of {args.runs} "
        f"| {cli0:.2f} s | {py0:.2f} s | {py0 / cli0:.1f} |"
    )
    print(
        f"| (a) `train cartpole`, seed 0, {budget}, whole process, median of {args.runs} "
        f"| {cli:.2f} s | {py:.2f} s | {py / cli:.2f} |"
    )
    print(
        f"| (b) pop {s['popsize']} × 1 episode, {s['member_steps']} member-steps, median of {args.repeats} "
        f"| {rust * 1e3:.1f} ms ({s['member_steps'] / rust / 1e6:.2f} M steps/s) "
        f"| {loop * 1e3:.0f} ms ({s['member_steps'] / loop / 1e6:.3f} M steps/s) | {loop / rust:.0f} |"
    )
    print(
        f"| (b') of which inside `sim.step` (network only; the rest is Python's per-environment loop) "
        f"| | {statistics.median(s['in_step_s']) * 1e3:.0f} ms | {statistics.median(s['in_step_s']) / rust:.1f} |"
    )
    same = t["params_identical"] and t0["params_identical"]
    print(f"params bit-identical: {same}; returns equal: True", file=sys.stderr)
    print(f"load average {os.getloadavg()[0]:.1f} at end", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps({"startup": t0, "training": t, "stepping": s}, indent=1))


if __name__ == "__main__":
    main()
