"""A user finds an organisation by its Chinese name and reads its page in both languages."""

import re

from playwright.sync_api import expect

SHOTS = "e2e-screenshots"


def test_search_open_and_switch_language(page, tmp_path):
    page.goto("/organisations")
    expect(page.locator("h1")).to_have_text("组织名录")
    page.fill("#q", "威努特")
    page.click("#search-button")
    expect(page.locator("#result-count")).to_contain_text("共 1 个组织")
    page.get_by_role("link", name="天津威努特信息技术有限公司").click()
    expect(page.locator("#org-name")).to_have_text("天津威努特信息技术有限公司")
    expect(page.locator("#org-facts")).to_contain_text("天津市滨海新区")
    page.screenshot(path=str(tmp_path / "org-zh.png"), full_page=True)

    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#org-facts")).to_contain_text("Binhai New Area, Tianjin")
    expect(page.locator("#org-facts")).to_contain_text("Region")
    expect(page.get_by_text("Tianjin Winute Information Technology")).to_be_visible()
    page.screenshot(path=str(tmp_path / "org-en.png"), full_page=True)

    # The choice sticks: the list is now in English too.
    page.goto("/organisations")
    expect(page.locator("h1")).to_have_text("Organisations")


def test_filter_by_region_and_page(page):
    page.goto("/organisations")
    page.select_option("select[name=region]", "120116")
    page.click("#search-button")
    expect(page).to_have_url(re.compile(r"region=120116"))
    count_text = page.locator("#result-count").inner_text()
    assert int(re.sub(r"\D", "", count_text)) > 4000
    page.click("a[rel=next]")
    expect(page.locator(".pager")).to_contain_text("第 2")


def test_park_page_shows_the_article_park(page):
    page.goto("/parks")
    page.get_by_role("link", name="天津滨海—中关村科技园").click()
    expect(page.locator("#park-count")).to_contain_text("4,126")
