#!/usr/bin/env bash
# Compares the long golden cases too (whole studies at their defaults, minutes on 2 cores; see
# tests/golden.rs, cases with `full: true`), which the default `cargo test` skips.
# `bash scripts/golden_full.sh --bless` rewrites the intrinsic golden files (quick and full) from the
# current build instead: only for a change that is meant to change results.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--bless" ]; then
    HETERO_BLESS=1 HETERO_GOLDEN_FULL=1 HETERO_GOLDEN_ONLY=intrinsic cargo test --release --test golden -- --nocapture
else
    HETERO_GOLDEN_FULL=1 cargo test --release --test golden -- --nocapture
fi
