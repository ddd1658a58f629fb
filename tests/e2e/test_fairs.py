"""An organiser sets a fair up in the browser (slots by length and breaks, tables,
participants, requests for them), presses "schedule all", locks one meeting and moves
another on the grid; then opens a participant's printable agenda. Screenshots at 1280 px
in Chinese and English (into $HAIHE_SHOTS when set)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import login

FAIR = "2025京津冀产业链对接会"  # a demo fair with nothing scheduled yet


def _shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("HAIHE_SHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_organiser_schedules_locks_and_moves_on_the_grid(page, tmp_path):
    shots = _shots(tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "admin")
    page.goto("/fairs")
    page.locator("#fair-list a", has_text=FAIR).click()
    fair_url = re.sub(r"\?.*$", "", page.url)
    page.goto(fair_url + "/setup")
    # slots: 6 of 30 minutes from 09:00 with 5-minute breaks (the form's defaults)
    page.click("#slot-plan button")
    expect(page.locator("#slot-list tbody tr")).to_have_count(6)
    expect(page.locator("#slot-list tbody tr").nth(1)).to_contain_text("09:35–10:05")
    page.fill("#fair-tables input[name=tables]", "3")
    page.click("#fair-tables button")
    # a slot plan running past midnight is refused in words, nothing added
    page.fill("#slot-plan input[name=count]", "40")
    page.click("#slot-plan button")
    expect(page.locator("#fair-problem")).to_contain_text("第二天")
    expect(page.locator("#slot-list tbody tr")).to_have_count(6)
    # five participants found by name and registered
    for _ in range(5):
        page.goto(fair_url + "/setup?q=天津")
        page.locator("#org-found form").first.locator("button").click()
        expect(page.locator("#registration-form")).to_be_visible()
    page.goto(fair_url + "/setup")
    expect(page.locator("#participant-list tbody tr")).to_have_count(5)
    page.screenshot(path=str(shots / "setup.zh.png"), full_page=True)
    # requests added for pairs of them
    page.goto(fair_url + "/requests")
    for a, b in ((0, 1), (0, 2), (1, 2), (3, 4), (2, 3), (0, 4)):
        page.select_option("#arrange-form select[name=requester_id]", index=a)
        page.select_option("#arrange-form select[name=requested_id]", index=b)
        page.click("#arrange-form button")
    expect(page.locator("#all-requests tbody tr.request-accepted")).to_have_count(6)
    page.screenshot(path=str(shots / "requests.zh.png"), full_page=True)

    page.goto(fair_url + "/grid?lang=zh")
    page.click("#schedule-all")
    expect(page.locator("#schedule-summary")).to_contain_text("已安排 6 场洽谈")
    expect(page.locator("#fair-grid details.meeting")).to_have_count(6)
    page.screenshot(path=str(shots / "grid.zh.png"), full_page=True)

    # lock the first meeting: its cell says so, and it survives schedule all in place
    first = page.locator("#fair-grid details.meeting").first
    first_id = first.get_attribute("id")
    cell = page.locator(f"td:has(#{first_id})")
    where = (cell.get_attribute("data-slot"), cell.get_attribute("data-table"))
    first.locator("summary").click()
    first.locator("button[data-action=lock]").click()
    expect(page.locator(f"td.locked:has(#{first_id})")).to_have_count(1)

    # move another to the first place the grid offers it
    other = page.locator(f"#fair-grid details.meeting:not(#{first_id})").first
    other_id = other.get_attribute("id")
    before = page.locator(f"td:has(#{other_id})")
    was = (before.get_attribute("data-slot"), before.get_attribute("data-table"))
    other.locator("summary").click()
    option = other.locator("select[name=place] option").first
    target = option.get_attribute("value").split(":")
    other.locator("select[name=place]").select_option(index=0)
    other.locator("button[data-action=move]").click()
    moved = page.locator(f"td:has(#{other_id})")
    expect(moved).to_have_attribute("data-slot", target[0])
    expect(moved).to_have_attribute("data-table", target[1])
    assert (moved.get_attribute("data-slot"), moved.get_attribute("data-table")) != was
    expect(page.locator(f"td.locked:has(#{other_id})")).to_have_count(1)  # moved: locked

    # schedule all again keeps both where they were put
    page.click("#schedule-all")
    expect(page.locator("#schedule-summary")).to_be_visible()
    cell = page.locator(f"td:has(#{first_id})")
    assert (cell.get_attribute("data-slot"), cell.get_attribute("data-table")) == where
    expect(page.locator(f"td:has(#{other_id})")).to_have_attribute("data-slot", target[0])
    page.locator(f"#{other_id} summary").click()
    page.screenshot(path=str(shots / "grid-locked.zh.png"), full_page=True)

    page.goto(fair_url + "/grid?lang=en")
    expect(page.locator("h1")).to_have_text("Meeting grid")
    page.screenshot(path=str(shots / "grid.en.png"), full_page=True)

    # a participant's printable agenda with its table numbers and the calendar file
    page.goto(fair_url + "/check-in")
    page.locator("#check-in-list tbody a").first.click()
    page.goto(page.url.split("?")[0] + "?lang=zh")
    expect(page.locator("#agenda tbody tr td.table-no").first).to_be_visible()
    expect(page.locator("#ics-link")).to_have_attribute("href", re.compile(r"agenda\.ics"))
    page.screenshot(path=str(shots / "agenda.zh.png"), full_page=True)
    page.goto(page.url.split("?")[0] + "?lang=en")
    expect(page.locator("#agenda thead")).to_contain_text("Table")
    page.screenshot(path=str(shots / "agenda.en.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.locator("#agenda form").first).to_be_hidden()
    page.emulate_media(media="screen")
