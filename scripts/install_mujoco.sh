#!/usr/bin/env bash
# Installs what the `mujoco` feature needs into third_party/mujoco/ (ignored by git; nothing
# downloaded is committed). Idempotent. Needs python3 with pip and network access to PyPI.
#   lib/libmujoco.so.3.17.0 (+ libmujoco.so symlink)  from the PyPI wheel mujoco==3.17.0
#   assets/*.xml                                        robot models from the PyPI wheel gymnasium==1.4.0
# .cargo/config.toml points MUJOCO_DYNAMIC_LINK_DIR at lib/; build.rs embeds it as an rpath.
set -euo pipefail
MUJOCO_VERSION=3.17.0
GYMNASIUM_VERSION=1.4.0
ROOT="$(cd "$(dirname "$0")/.." && pwd)/third_party/mujoco"
LIB="$ROOT/lib"
ASSETS="$ROOT/assets"
extract() { # wheel, member pattern (python zipfile: no unzip needed), destination dir
    python3 - "$1" "$2" "$3" <<'PY'
import fnmatch, os, sys, zipfile
wheel, pattern, dest = sys.argv[1:]
os.makedirs(dest, exist_ok=True)
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if fnmatch.fnmatch(n, pattern)]
    if not names:
        sys.exit(f"{wheel}: nothing matches {pattern}")
    for n in names:
        with z.open(n) as src, open(os.path.join(dest, os.path.basename(n)), "wb") as dst:
            dst.write(src.read())
PY
}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ ! -f "$LIB/libmujoco.so.$MUJOCO_VERSION" ]; then
    python3 -m pip download -q "mujoco==$MUJOCO_VERSION" --no-deps --only-binary=:all: -d "$TMP"
    extract "$TMP"/mujoco-$MUJOCO_VERSION-*.whl "mujoco/libmujoco.so.$MUJOCO_VERSION" "$LIB"
fi
ln -sf "libmujoco.so.$MUJOCO_VERSION" "$LIB/libmujoco.so"
if [ ! -f "$ASSETS/half_cheetah.xml" ] || [ ! -f "$ASSETS/walker2d_v5.xml" ]; then
    python3 -m pip download -q "gymnasium==$GYMNASIUM_VERSION" --no-deps --only-binary=:all: -d "$TMP"
    extract "$TMP"/gymnasium-$GYMNASIUM_VERSION-*.whl "gymnasium/envs/mujoco/assets/*.xml" "$ASSETS"
fi
echo "MuJoCo $MUJOCO_VERSION in $LIB; $(ls "$ASSETS" | wc -l) robot models in $ASSETS"
