"""Layout at a laptop's 1280 px and a desktop's 1440 px, in both languages: every page is
photographed (into HAIHE_SCREENSHOTS, or pytest's temporary folder) and checked in the
browser for what officers saw break — a number or code wrapped or cut inside its table
cell ("P2026-/0136", "19.41亿/元"), a select whose chosen option is cut off, a page
wider than the window."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import login

WIDTHS = (1280, 1440)
LANGS = ("zh", "en")

# In the page: cells holding a number, an amount or a code that wrap onto a second line
# or overflow their cell; selects too narrow for their chosen option; the page's width.
CHECK = r"""
() => {
  const problems = [];
  const numeric = /^[\s\d.,:%+\-–\/()A-Z#]*\d[\s\d.,:%+\-–\/()A-Z#]*(亿|万)?(元|美元|yuan|million|billion|%)?[\s\w]*$/;
  const shown = el => el.offsetParent !== null;
  for (const cell of document.querySelectorAll('td, th')) {
    if (!shown(cell)) continue;
    const text = cell.innerText.trim();
    if (!text || text.length > 40 || text.includes('\n') || !numeric.test(text)) continue;
    // Lines of the cell's text: the tops of its text's boxes, more than half a line apart.
    const tops = [];
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) if (r.width > 0) tops.push(r.top);
    }
    const half = parseFloat(getComputedStyle(cell).fontSize) / 2;
    tops.sort((a, b) => a - b);
    const lines = tops.filter((t, i) => i === 0 || t - tops[i - 1] > half).length;
    if (lines > 1 || cell.scrollWidth > cell.clientWidth + 1) {
      problems.push('cell wraps or overflows: ' + JSON.stringify(text));
    }
  }
  const canvas = document.createElement('canvas').getContext('2d');
  for (const sel of document.querySelectorAll('select')) {
    if (!shown(sel) || sel.selectedIndex < 0) continue;
    const style = getComputedStyle(sel);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const text = sel.options[sel.selectedIndex].text.trim();
    const room = sel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (canvas.measureText(text).width > room + 1) {
      problems.push('select cut: ' + JSON.stringify(text));
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) {
    problems.push('page wider than the window: ' + document.documentElement.scrollWidth);
  }
  return problems;
}
"""  # noqa: E501


def _pages(base: str) -> list[str]:
    """Every kind of page, with real ids from the demo."""
    with httpx.Client(base_url=base) as c:
        winute = c.get("/api/v1/organisations", params={"q": "Winute"}).json()["items"][0]["id"]
        parks = c.get("/api/v1/parks").json()["items"]
        listing = c.get("/api/v1/listings", params={"q": "工控"}).json()["items"][0]["id"]
        chains = c.get("/api/v1/chains").json()
    chain = chains[0]["key"] if isinstance(chains, list) else chains["items"][0]["key"]
    park = next(p["id"] for p in parks if p["organisation_count"] > 100)
    return [
        "/",
        "/briefing",
        "/organisations",
        "/organisations?q=%E7%94%9F%E7%89%A9%E5%8C%BB%E8%8D%AF",
        f"/organisations/{winute}",
        f"/organisations/{winute}/edit",
        "/organisations/new",
        "/parks",
        f"/parks/{park}",
        "/chains",
        f"/chains/{chain}",
        f"/chains/{chain}?region=120000&compare=110000",
        f"/chains/{chain}/cities",
        "/chains/biomedicine/segments/implants?region=120000",
        f"/chains/{chain}/lists",
        "/projects",
        "/projects/new",
        "/projects/import",
        "/import",
        "/account",
        "/audit",
        "/listings",
        f"/listings/{listing}",
        f"/transfer/listings/{listing}",
        "/notifications",
    ]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("HAIHE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")


def _first_project(page) -> str | None:  # noqa: ANN001
    page.goto("/projects")
    link = page.query_selector("table a[href^='/projects/']")
    return link.get_attribute("href") if link else None


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_in_both_languages_keeps_numbers_on_one_line(browser, server, shots, width):
    context = browser.new_context(
        base_url=server, viewport={"width": width, "height": 900}, locale="zh-CN"
    )
    page = context.new_page()
    login(page, "admin")
    paths = _pages(server)
    project = _first_project(page)
    if project:
        paths.append(project)
    found: list[str] = []
    for lang in LANGS:
        for path in paths:
            sep = "&" if "?" in path else "?"
            response = page.goto(f"{path}{sep}lang={lang}")
            assert response is not None and response.status < 400, (
                path,
                response and response.status,
            )
            page.wait_for_load_state("networkidle")
            name = re.sub(r"[^0-9A-Za-z]+", "_", path).strip("_") or "home"
            page.screenshot(path=str(shots / f"{width}-{lang}-{name}.png"), full_page=True)
            found += [f"{width} {lang} {path}: {p}" for p in page.evaluate(CHECK)]
    context.close()
    assert not found, "\n".join(found)
