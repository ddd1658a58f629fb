"""An officer reads the dashboard, follows a figure to its projects and records a milestone."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import login


def test_dashboard_figures_charts_and_drill_down(page, tmp_path):
    page.goto("/?fair=1")
    expect(page.locator("#card-signed .figure")).to_have_text("44")
    expect(page.locator("#card-intended_investment .figure")).to_have_text("271亿元")
    expect(page.locator("#card-construction_started .figure")).to_have_text("4")
    expect(page.locator("#card-in_operation .figure")).to_have_text("12")
    expect(page.locator("#card-paying_tax .figure")).to_have_text("2")
    # ECharts drew every chart (as SVG) from the page's JSON.
    for chart in ("funnel", "months", "chains", "pairs"):
        expect(page.locator(f"#chart-{chart} svg")).to_be_visible()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    # Visitors see the published figures; the projects behind them need an account, so
    # the figures are no links for them (and the stalled list asks them to sign in).
    expect(page.locator("#card-in_operation a")).to_have_count(0)
    expect(page.locator("#stalled-sign-in")).to_be_visible()
    login(page, "tianjin")
    page.goto("/?fair=1")
    page.locator("#card-in_operation a").click()
    expect(page.locator("#project-count")).to_contain_text("12")
    page.locator("#projects tbody a").first.click()
    expect(page.locator("#project-stage")).to_contain_text(re.compile("已投产|已达产"))


def test_record_a_milestone_and_see_it_in_history(page, server):
    # A project outside the article's fair, so the article's figures stay as reported.
    login(page, "admin")
    page.goto("/projects?landing=130000&figure=construction_started")
    page.locator("#projects tbody a").first.click()
    before = page.locator("#milestones li").count()
    page.select_option("#milestone-form select[name=kind]", "in_operation")
    page.fill("#milestone-form input[name=evidence]", "投产仪式")
    page.click("#milestone-form button")
    expect(page.locator("#project-stage")).to_contain_text("已投产")
    expect(page.locator("#milestones li")).to_have_count(before + 1)
    # Recorded as the signed-in user: the milestone and the history name them.
    expect(page.locator("#milestones li").last).to_contain_text("投产仪式 (系统管理员（管理员）)")
    expect(page.locator("#history tbody tr").last).to_contain_text("系统管理员 将阶段改为 已投产")
    # A date in the future is refused with the reason, and nothing changes.
    page.select_option("#milestone-form select[name=kind]", "paying_tax")
    page.evaluate("document.querySelector('#milestone-form input[name=on]').removeAttribute('max')")
    page.fill("#milestone-form input[name=on]", "2999-01-01")
    page.click("#milestone-form button")
    expect(page.locator("#project-problem")).to_contain_text("晚于今天")
    expect(page.locator("#milestones li")).to_have_count(before + 1)


def test_dashboard_in_english_and_briefing(page):
    page.goto("/?lang=en&fair=1")
    expect(page.locator("h1")).to_have_text("Cooperation projects dashboard")
    expect(page.locator("#card-intended_investment .figure")).to_have_text("27.1 billion yuan")
    page.goto("/briefing?lang=zh&fair=1")
    expect(page.locator("#briefing-lead")).to_contain_text("共签约合作项目 44 个，意向投资 271亿元")
    expect(page.locator("#briefing-lead")).to_contain_text(
        "4 个项目已开工，12 个项目已投产，2 个项目已实现纳税"
    )
