"""Summarises bench/side_by_side.sh's raw files into side_by_side.md and side_by_side.json.

Median over runs of each row's seconds per generation; ratio = JAX ÷ hetero (above 1: hetero is
faster). For CartPole the JAX reference is, per row, the faster of its scan and while-loop
rollouts. Standard library only.
"""
import glob
import json
import os
import statistics
import sys
import time

out = sys.argv[1] if len(sys.argv) > 1 else "bench/results"
raw = os.path.join(out, "raw")


def jsonl_rows(pattern):
    rows = []
    for path in sorted(glob.glob(os.path.join(raw, pattern))):
        with open(path) as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    return rows


def median_by(rows, key, value):
    groups = {}
    for r in rows:
        groups.setdefault(key(r), []).append(value(r))
    return {k: (statistics.median(v), len(v)) for k, v in groups.items()}


machine = next((r["machine"] for r in jsonl_rows("hetero_cartpole_*.jsonl") if "machine" in r), {})
het_cp = median_by([r for r in jsonl_rows("hetero_cartpole_*.jsonl") if "mode" in r], lambda r: (r["mode"], r["max_steps"]), lambda r: r["s_per_generation"])
het_mem = median_by([r for r in jsonl_rows("hetero_memory_*.jsonl") if "mode" in r], lambda r: (r["mode"], r["memory_length"]), lambda r: r["s_per_generation"])

jax_cp = {}
for variant in ("scan", "while"):
    rows = []
    for path in sorted(glob.glob(os.path.join(raw, f"jax_cartpole_{variant}_*.json"))):
        rows.extend(json.load(open(path))["timing"])
    for k, (m, n) in median_by(rows, lambda r: (r["mode"], r["max_steps"]), lambda r: r["s_per_gen_median"]).items():
        if k not in jax_cp or m < jax_cp[k][0]:
            jax_cp[k] = (m, n, variant)
jax_mem_rows = []
for path in sorted(glob.glob(os.path.join(raw, "jax_memory_*.json"))):
    jax_mem_rows.extend(json.load(open(path))["runs"])
jax_mem = median_by(jax_mem_rows, lambda r: (r["mode"], r["N"]), lambda r: r["s_per_gen_median"])

table = []
lines = [
    f"Side by side on {machine.get('model', 'this machine')} ({machine.get('cores', '?')} cores, {machine.get('vector_isa', '?')}), "
    f"{time.strftime('%Y-%m-%d')}; medians over runs; ratio = JAX s/gen ÷ hetero s/gen.",
    "",
    "| bench | mode | steps / L | JAX s/gen (variant) | hetero s/gen | ratio | runs (JAX, hetero) |",
    "|---|---|---|---|---|---|---|",
]
for (mode, steps), (h, hn) in sorted(het_cp.items()):
    if (mode, steps) in jax_cp:
        j, jn, variant = jax_cp[(mode, steps)]
        table.append(dict(bench="cartpole", mode=mode, x=steps, jax=j, jax_variant=variant, hetero=h, ratio=j / h))
        lines.append(f"| cartpole | {mode} | {steps} | {j:.4f} ({variant}) | {h:.5f} | {j / h:.1f}× | {jn}, {hn} |")
for (mode, length), (h, hn) in sorted(het_mem.items()):
    if (mode, length) in jax_mem:
        j, jn = jax_mem[(mode, length)]
        table.append(dict(bench="memory", mode=mode, x=length, jax=j, hetero=h, ratio=j / h))
        lines.append(f"| memory | {mode} | {length} | {j:.4f} | {h:.5f} | {j / h:.1f}× | {jn}, {hn} |")
with open(os.path.join(out, "side_by_side.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
with open(os.path.join(out, "side_by_side.json"), "w") as f:
    json.dump(dict(machine=machine, rows=table), f, indent=1)
print("\n".join(lines))
