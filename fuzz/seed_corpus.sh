#!/usr/bin/env bash
# Seeds the fuzz corpus (fuzz/corpus/<target>/): small valid inputs a run would read, and a few
# malformed ones. libFuzzer adds what it finds to the same folders; commit them.
# Needs the CLI: target/release/hetero (cargo build --release), or HETERO_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${HETERO_BIN:-target/release/hetero}
c=fuzz/corpus
mkdir -p $c/idx $c/config $c/arrays
# IDX: a 2×3×3 image file and its labels, raw and gzip, and a truncated one.
python3 - <<'PY'
import gzip, struct
c = "fuzz/corpus/idx"
images = bytes([0, 0, 8, 3]) + struct.pack(">3I", 2, 3, 3) + bytes(range(18))
labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 2) + bytes([3, 7])
open(f"{c}/images-2x3x3", "wb").write(images)
open(f"{c}/labels-2", "wb").write(labels)
open(f"{c}/images-2x3x3.gz", "wb").write(gzip.compress(images, mtime=0))
open(f"{c}/truncated", "wb").write(images[:-5])
PY
# Configuration: every preset, and one with --set lines at its end.
for p in presets/*.toml; do cp "$p" "$c/config/$(basename "$p")"; done
printf '[run]\ngenerations = 2\n--set network.hidden=8\n--set strategy.pgpe.sigma_init=0.2\n' >"$c/config/with-set.toml"
# Arrays: a checkpoint and params of a short run, and a truncated checkpoint.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$bin" train cartpole --generations 2 --population 8 --set network.hidden=4 --set run.plots=false --out "$scratch/run" >/dev/null
cp "$scratch/run/checkpoint.safetensors" "$c/arrays/checkpoint.safetensors"
cp "$scratch/run/params.safetensors" "$c/arrays/params.safetensors"
head -c 200 "$scratch/run/checkpoint.safetensors" >"$c/arrays/truncated.safetensors"
echo "seeded: $(ls $c/idx | wc -l) idx, $(ls $c/config | wc -l) config, $(ls $c/arrays | wc -l) arrays"
