#!/usr/bin/env bash
# Runs hetero's benchmarks and the JAX peer (../shared/peers/jax_baseline) on this machine, RUNS
# times each (default 5), and writes bench/results/side_by_side.{md,json}: the median seconds per
# generation of every row and the ratio JAX ÷ hetero. Takes about 15 minutes on 2 cores.
#   RUNS=5 PEER=../shared/peers/jax_baseline VENV=~/.cache/hetero-jax-peer bash bench/side_by_side.sh
# Protocols: CartPole as the peer's bench_cartpole.py (pop 256, hidden 64, 12 generations from the
# initial centre; JAX's faster of its scan and while-loop rollouts is the reference per row);
# memory_length as bench_memory.py (16 episodes per member; JAX timed over 20 generations of one seed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-5}
PEER=$(cd "${PEER:-../shared/peers/jax_baseline}" && pwd)
VENV=${VENV:-$HOME/.cache/hetero-jax-peer}
OUT=${OUT:-$ROOT/bench/results}
[ -x "$VENV/bin/python" ] || VENV="$VENV" bash "$PEER/setup.sh"
cargo build --release -q
mkdir -p "$OUT/raw"
for i in $(seq 1 "$RUNS"); do
    echo "run $i/$RUNS: hetero"
    "$ROOT/target/release/hetero" bench cartpole --json > "$OUT/raw/hetero_cartpole_$i.jsonl"
    "$ROOT/target/release/hetero" bench memory --json > "$OUT/raw/hetero_memory_$i.jsonl"
    echo "run $i/$RUNS: JAX peer"
    (cd "$PEER" && "$VENV/bin/python" bench_cartpole.py --skip-learning --timing-gens 12 --out "$OUT/raw/jax_cartpole_scan_$i.json" > /dev/null)
    (cd "$PEER" && "$VENV/bin/python" bench_cartpole.py --skip-learning --timing-gens 12 --rollout while --out "$OUT/raw/jax_cartpole_while_$i.json" > /dev/null)
    (cd "$PEER" && "$VENV/bin/python" bench_memory.py --seeds 0 --gens 20 --out "$OUT/raw/jax_memory_$i.json" > /dev/null)
done
python3 "$ROOT/bench/summarize.py" "$OUT"
