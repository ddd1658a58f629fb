"""The layout DESIGN.md describes is kept: import direction and code style are checked."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def test_import_contracts_hold():
    """Code tables and the kernel never import contexts; contexts never import the web."""
    exe = BIN / "lint-imports"
    assert exe.exists(), "import-linter is a dev dependency"
    out = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_finds_nothing():
    exe = BIN / "ruff" if (BIN / "ruff").exists() else shutil.which("ruff")
    out = subprocess.run(
        [str(exe), "check", "src", "tests", "benchmarks", "scripts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout
