"""Kill the server (SIGKILL, whole process group) in the middle of a large import and of a
bulk update; after a restart the data is wholly before or wholly after, never half."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.registry.models import Organisation
from tests.conftest import DEMO_PASSWORD, login, make_admin
from tests.registry.helpers import ADMIN, row, write_csv

ROWS = 60_000  # about 13 MB: parsed by worker processes, several seconds to import


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(url: str) -> tuple[subprocess.Popen, str]:
    port = _port()
    env = {**os.environ, "HAIHE_DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "haihe.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def _client(base: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=300)
    login(c, "admin", DEMO_PASSWORD)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/account").text).group(1)
    c.headers["X-CSRF-Token"] = csrf
    return c


def _import_and_kill(url: str, path) -> None:  # noqa: ANN001
    proc, base = _serve(url)
    client = _client(base)
    done = threading.Event()

    def upload() -> None:
        try:
            client.post("/import", files={"file": (path.name, path.read_bytes(), "text/csv")})
        except httpx.HTTPError:
            pass  # the server dies under us: that is the point
        done.set()

    threading.Thread(target=upload, daemon=True).start()
    time.sleep(3.0)  # well into the import
    assert not done.is_set(), "the import finished before the crash; make the file larger"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    done.wait(timeout=30)


def _url(engine) -> str:  # noqa: ANN001
    return engine.url.render_as_string(hide_password=False)


def test_killed_during_a_large_import(engine, tmp_path):
    make_admin(engine)
    engine.dispose()
    path = write_csv(tmp_path / "big.csv", [row(i) for i in range(1, ROWS + 1)])
    _import_and_kill(_url(engine), path)
    proc, _base = _serve(_url(engine))  # the restarted server opens the database fine
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)
    with Session(engine) as s:
        n = s.execute(select(func.count(Organisation.id))).scalar_one()
    assert n in (0, ROWS), f"{n} rows: half an import survived the crash"


def test_killed_during_a_bulk_update(engine, tmp_path):
    from haihe.registry.imports import do_import_organisations

    make_admin(engine)
    first = write_csv(tmp_path / "v1.csv", [row(i, 从业人数="10") for i in range(1, ROWS + 1)])
    assert do_import_organisations(engine, ADMIN, first).created == ROWS
    engine.dispose()
    second = write_csv(tmp_path / "v2.csv", [row(i, 从业人数="20") for i in range(1, ROWS + 1)])
    _import_and_kill(_url(engine), second)
    with Session(engine) as s:
        counts = dict(
            s.execute(
                select(Organisation.employees, func.count()).group_by(Organisation.employees)
            ).all()
        )
    assert counts in ({10: ROWS}, {20: ROWS}), counts


pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX signals")
