#!/usr/bin/env bash
# The Python package's tests: a fresh virtual environment, `pip install .` (maturin builds the
# native module with cargo), pytest, then the examples at a tiny budget. pytest compares against
# the CLI binary for bit-identity: HETERO_BIN, else $CARGO_TARGET_DIR (default target)/release/hetero
# (built here if missing).
# ReservoirPy is the peer of the reservoir side-by-side test: 0.3.16, the last 0.3 release, whose
# Reservoir has equation="external" (hetero's equation); 0.4.2's Reservoir has only the internal form.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=$(realpath -m "${HETERO_VENV:-target/python-venv}")
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet . pytest mypy "reservoirpy==0.3.16"   # mypy: test_stubs; reservoirpy: the side-by-side test
target_dir=$(realpath -m "${CARGO_TARGET_DIR:-target}")
[ -x "$target_dir/release/hetero" ] || cargo build --release
export HETERO_BIN=${HETERO_BIN:-$target_dir/release/hetero}
[ -x "$HETERO_BIN" ] || { echo "error: HETERO_BIN=$HETERO_BIN is not an executable" >&2; exit 1; }
"$venv/bin/pytest" -q python/tests
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && "$venv/bin/python" "$root/examples/train_and_plot_tau.py" --generations 3 --out run)
"$venv/bin/python" examples/ask_tell_custom_objective.py --generations 300
"$venv/bin/python" examples/reservoir_own_series.py --tiny
