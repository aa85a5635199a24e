"""Shared helpers: the CLI binary (for bit-for-bit comparisons) and a scratch folder."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def hetero_cli() -> Path:
    """The `hetero` binary: $HETERO_BIN, else $CARGO_TARGET_DIR (default target)/release/hetero
    (built by `cargo test --release`)."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    path = Path(os.environ.get("HETERO_BIN", target / "release" / "hetero")).resolve()
    if not path.is_file():
        pytest.skip(f"{path}: no CLI binary (run `cargo build --release` or set HETERO_BIN)")
    return path


def run_cli(binary: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(binary), *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done
