"""An administrator adds a user, is told in Chinese what is wrong with a second try, makes
an API token, and finds both in the audit trail."""

from playwright.sync_api import expect

from tests.e2e.conftest import login


def _add_user(page, username: str) -> None:  # noqa: ANN001
    form = page.locator("form[action='/admin/users']")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill("e2e-password-1")
    form.locator("select[name=role]").select_option("regional_officer")
    form.locator("input[name=regions]").fill("天津")
    form.locator("button").click()


def test_user_administration_tokens_and_the_trail(page):
    login(page, "admin")
    page.goto("/admin/users")
    _add_user(page, "e2e_officer")
    expect(page.locator("#users")).to_contain_text("e2e_officer")
    _add_user(page, "e2e_officer")
    expect(page.locator("p.error")).to_contain_text("用户“e2e_officer”已存在")

    page.goto("/account")
    page.fill("#token-form input[name=name]", "端到端脚本")
    page.click("#token-form button")
    expect(page.locator("#new-token code")).to_contain_text("hh_")

    page.goto("/audit?object_type=user")
    expect(page.locator("#audit")).to_contain_text("e2e_officer")
    page.goto("/audit?object_type=api_token")
    expect(page.locator("#audit")).to_contain_text("端到端脚本")
