#!/usr/bin/env bash
# Rewrites the golden outputs in tests/golden/ from the current build (fixed seeds; see
# tests/golden.rs). Run it only for a change that is meant to change results, and quote the
# before/after numbers in the commit. Needs the MNIST files ($HETERO_DATA or ../shared/data) and,
# for the HalfCheetah case, MuJoCo (scripts/install_mujoco.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
HETERO_BLESS=1 cargo test --release --test golden -- --nocapture
if [ -f third_party/mujoco/lib/libmujoco.so ]; then
    HETERO_BLESS=1 cargo test --release --features mujoco --test golden -- --nocapture
fi
