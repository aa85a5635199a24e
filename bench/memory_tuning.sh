#!/usr/bin/env bash
# Issue 19: chooses the neuron-mode memory_length settings on seeds that are never reported
# (1000–1019 by default), at L = 25 with Paper A's budget of 1000 generations and the sweep's early
# stop (centre perfect on 100 fresh episodes for 10 generations). Prints, per setting, how many
# seeds end with a result centre ≥ 0.9 and the mean result centre fitness (the run's own 100-episode
# evaluation; with one context bit an episode is one of two, so 100 episodes cover both).
# TUNING_SETTINGS="name|key=value key=value;name2|..." chooses the settings. Usage: bench/memory_tuning.sh [HETERO_BINARY] [FIRST_SEED] [SEEDS] [L] [OBSERVATION]
set -euo pipefail
bin=${1:-target/release/hetero}
first=${2:-1000}
count=${3:-20}
length=${4:-25}
observation=${5:-bsuite}
out=${TUNING_OUT:-/tmp/hetero-memory-tuning}
settings=("base|")
if [ -n "${TUNING_SETTINGS:-}" ]; then
    IFS=';' read -r -a settings <<<"$TUNING_SETTINGS"
fi
for entry in "${settings[@]}"; do
    [ -z "$entry" ] && continue
    name=${entry%%|*}
    sets=${entry#*|}
    args=()
    [ "$observation" != bsuite ] && args+=(--set env.observation="$observation")
    for s in $sets; do args+=(--set "$s"); done
    solved=0
    total=0
    sum=0
    for seed in $(seq "$first" $((first + count - 1))); do
        dir="$out/$observation-L$length-$name-s$seed"
        if [ ! -f "$dir/summary.json" ]; then
            rm -rf "$dir"
            "$bin" train memory-neuron --seed "$seed" --generations 1000 --threads 1 --out "$dir" \
                --set env.memory_length="$length" \
                --set run.stop_fitness=1.0 --set run.stop_patience=10 --set run.plots=false \
                "${args[@]}" >/dev/null 2>&1 || { echo "$name seed $seed: run failed" >&2; continue; }
        fi
        # With run.keep_best the result is the best centre (the first with the best fitness).
        key=final_centre_fitness
        grep -q kept_generation "$dir/summary.json" && key=best_centre_fitness
        f=$(sed -n "s/.*\"$key\": \([-0-9.e]*\).*/\1/p" "$dir/summary.json")
        total=$((total + 1))
        sum=$(awk -v a="$sum" -v b="$f" 'BEGIN { print a + b }')
        if awk -v f="$f" 'BEGIN { exit !(f >= 0.9) }'; then solved=$((solved + 1)); fi
    done
    printf '%-12s %2d/%d seeds >= 0.9, mean centre %.3f  (%s)\n' "$name" "$solved" "$total" \
        "$(awk -v a="$sum" -v n="$total" 'BEGIN { print n ? a / n : 0 }')" "$sets"
done
