#!/usr/bin/env bash
# The validation sweep behind the MNIST neuron presets' search scale (README, "Search scale per
# property"): hidden 1024 (4096 neuron parameters), seed 0, 300 generations, training on the
# first 50 000 training images and scoring the centre on the last 10 000 (data.validation).
# Two runs at a time, one thread each (about 3 minutes per run on 2 cores).
#
#   bash scripts/mnist_scale_sweep.sh [DATA_DIR] [OUT_DIR]
#
# Prints one line per run: name, validation accuracy and test accuracy at the last generation.
set -euo pipefail
DATA="${1:-../shared/data}"
OUT="${2:-runs/mnist-scale-sweep}"
HETERO="${HETERO:-./target/release/hetero}"
mkdir -p "$OUT"

# name | overrides (on top of the preset mnist-neuron-4096, whose own scale is r 20, tau 3)
RUNS=(
  "unscaled|genome.scale.r=1 genome.scale.tau=1"
  "r5|genome.scale.r=5 genome.scale.tau=1"
  "r5-tau3|genome.scale.r=5"
  "r5-tau6|genome.scale.r=5 genome.scale.tau=6"
  "r10-tau2|genome.scale.r=10 genome.scale.tau=2"
  "r10-tau3|genome.scale.r=10"
  "r20-tau3|"
  "r20-tau5|genome.scale.tau=5"
  "r40-tau3|genome.scale.r=40"
  "r20-tau3-v2|genome.scale.v_th=2 genome.scale.v_rest=2"
  "r20-tau3-v0.5|genome.scale.v_th=0.5 genome.scale.v_rest=0.5"
  "r20-tau3-clipup0.3|strategy.pgpe.center_lr=0.3 strategy.pgpe.max_speed=0.6"
  "r20-tau3-clipup0.075|strategy.pgpe.center_lr=0.075 strategy.pgpe.max_speed=0.15"
  "r20-tau3-sigma0.05|strategy.pgpe.sigma_init=0.05"
  "r20-tau3-sigma0.2|strategy.pgpe.sigma_init=0.2"
  "fashion-unscaled|env.name=fashion-mnist genome.scale.r=1 genome.scale.tau=1"
  "fashion-r20-tau3|env.name=fashion-mnist"
  "r20-tau3-no-output-neurons|genome.output_neurons=false"
)

run_one() {
  local name="${1%%|*}" overrides="${1#*|}" sets=()
  for o in $overrides; do sets+=(--set "$o"); done
  [ -f "$OUT/$name/summary.json" ] || "$HETERO" train mnist-neuron-4096 --generations 300 --threads 1 --out "$OUT/$name" \
    --set "data.dir=$DATA" --set data.validation=10000 --set data.test_every=50 "${sets[@]}" > "$OUT/$name.log" 2>&1
  tail -1 "$OUT/$name/accuracy.csv" | awk -F, -v n="$name" '{printf "%-24s validation %.2f %%  test %.2f %%\n", n, 100 * $6, 100 * $2}'
}

for ((i = 0; i < ${#RUNS[@]}; i += 2)); do
  run_one "${RUNS[$i]}" &
  if ((i + 1 < ${#RUNS[@]})); then run_one "${RUNS[$((i + 1))]}" & fi
  wait
done
