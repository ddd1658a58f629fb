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


CONTEXTS = ("registry", "chains", "projects", "fairs", "accounts", "audit")
SHELL = {
    "__init__.py",
    "app.py",
    "auth.py",
    "deps.py",
    "errors.py",
    "kept.py",
    "templating.py",
    "warm.py",
}


def test_dialect_switches_live_only_in_core_db():
    """SQLite/PostgreSQL differences are the database layer's business (core/db.py)."""
    src = ROOT / "src" / "haihe"
    found = [
        f"{path.relative_to(src)}:{n}"
        for path in src.rglob("*.py")
        if path != src / "core" / "db.py" and "migrations" not in path.parts
        for n, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if ".dialect" in line
    ]
    assert not found, found


def test_the_web_shell_holds_no_context_code():
    """Routes and pages live in their contexts; web/ keeps only the shell."""
    web = ROOT / "src" / "haihe" / "web"
    modules = {p.name for p in web.glob("*.py")}
    assert modules <= SHELL, modules - SHELL
    assert not [
        p
        for p in web.iterdir()
        if p.is_dir() and p.name not in ("templates", "static", "__pycache__")
    ]


def test_every_write_takes_the_principal():
    """Each do_<verb>_<noun> of a context's service names the principal who acts; none takes
    a free-text actor (by=, username=, recorded_by=)."""
    import importlib
    import inspect

    # signing in and out make or end the principal itself: there is none yet to act as
    before_a_principal = {"do_start_session", "do_end_session"}
    bad = []
    for context in CONTEXTS:
        try:
            module = importlib.import_module(f"haihe.{context}.service")
        except ModuleNotFoundError:
            continue
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            # the service is the context's door: its writes may live in the context's
            # modules (projects.records, projects.milestones, ...) and be re-exported
            if not name.startswith("do_") or not fn.__module__.startswith(f"haihe.{context}."):
                continue
            if name in before_a_principal:
                continue
            params = list(inspect.signature(fn).parameters)
            if "principal" not in params[:3] or {"by", "recorded_by", "uploaded_by"} & set(params):
                bad.append(f"{module.__name__}.{name}{inspect.signature(fn)}")
    assert not bad, "\n".join(bad)
