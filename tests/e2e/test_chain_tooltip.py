"""Issue 11, point 18: a segment named with HTML shows as text in the chain graph's
tooltip (the ECharts formatter builds HTML), in Chromium."""

import os
import subprocess
import sys
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _free_port, login


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """A server of this module's own: the test saves a chain, which the other browser tests
    sharing the session's server would then see re-counted."""
    folder = tmp_path_factory.mktemp("tooltip-server")
    env = {**os.environ, "HAIHE_DATABASE_URL": f"sqlite:///{folder / 'haihe.db'}"}
    haihe = [sys.executable, "-m", "haihe.cli"]
    subprocess.run([*haihe, "demo"], env=env, check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen(
        [*haihe, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


HOSTILE = "航空航天材料<img src=x id=injected onerror=window.__xss=1>"


def test_html_in_a_segment_name_shows_as_text_in_the_tooltip(page):
    login(page, "admin")
    page.goto("/chains/aerospace/edit")
    text = page.locator("#definition").input_value()
    assert "name: {zh: 航空航天材料," in text
    page.fill("#definition", text.replace("name: {zh: 航空航天材料,", f'name: {{zh: "{HOSTILE}",'))
    page.fill("#chain-edit input[name=note]", "hostile name")
    page.click("#save-chain")
    expect(page.locator("#versions tbody tr")).to_have_count(2)
    page.goto("/chains/aerospace")
    graph = page.locator("#graph-0[data-ready='1'] svg")
    expect(graph).to_be_visible()
    page.locator("#graph-0 svg text", has_text="航空航天材料").first.hover()
    tip = page.locator("#graph-0 div", has_text="onerror").last
    expect(tip).to_be_visible()
    assert "<img src=x id=injected" in tip.inner_text()
    assert page.locator("#injected").count() == 0
    assert page.evaluate("window.__xss") is None
