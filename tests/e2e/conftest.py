"""Browser tests: Playwright for Python driving Debian's Chromium against `haihe serve`.

They run when /usr/bin/chromium exists (CI installs it) and are skipped, saying why,
elsewhere; with HAIHE_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path(os.environ.get("HAIHE_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("HAIHE_REQUIRE_BROWSER"):
            pytest.fail(f"HAIHE_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium to run these)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory):
    """`haihe serve` on a demo SQLite database, as a user would start it."""
    folder = tmp_path_factory.mktemp("server")
    env = {**os.environ, "HAIHE_DATABASE_URL": f"sqlite:///{folder / 'haihe.db'}"}
    haihe = [sys.executable, "-m", "haihe.cli"]
    subprocess.run([*haihe, "demo"], env=env, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen(
        [*haihe, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError(proc.stdout.read().decode() if proc.stdout else "server did not start")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()


def login(page, username: str, password: str = "haihe-demo-2024") -> None:  # noqa: ANN001
    """Sign in through the login form, as a user would."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button")
    page.wait_for_selector("#account-link")
