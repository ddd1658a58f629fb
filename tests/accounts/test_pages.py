"""Signing in and out, one's account, user administration: as a user in a browser sees them."""

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from haihe.accounts import queries
from haihe.accounts.scopes import command_line
from haihe.web.app import create_app
from tests.conftest import login, make_admin, signed_client


def test_login_is_rate_limited_per_account(engine):
    make_admin(engine)
    app = create_app(engine)
    client = signed_client(app, None)
    for _ in range(5):
        r = login(client, "admin", "wrong-password")
        assert r.status_code == 401
    r = login(client, "admin", "haihe-demo-2024")
    assert r.status_code == 401 and ("分钟" in r.text or "minutes" in r.text)


def test_password_change_ends_other_sessions(engine):
    make_admin(engine)
    app = create_app(engine)
    first, second = signed_client(app, "admin"), signed_client(app, "admin")
    r = first.post(
        "/account/password",
        data={"old_password": "haihe-demo-2024", "new_password": "a-much-better-passphrase"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert second.get("/account", follow_redirects=False).status_code == 303


def test_user_administration_refuses_bad_input_and_changes_nothing(engine):
    make_admin(engine)
    admin = signed_client(create_app(engine), "admin")
    for bad in (
        {"username": "x y", "password": "long-enough-pw", "role": "admin"},
        {"username": "ok", "password": "short", "role": "admin"},
        {"username": "ok", "password": "long-enough-pw", "role": "emperor"},
        {"username": "ok", "password": "long-enough-pw", "role": "regional_officer"},
        {
            "username": "ok",
            "password": "long-enough-pw",
            "role": "regional_officer",
            "regions": "火星",
        },
    ):
        r = admin.post("/admin/users", data=bad)
        assert r.status_code == 400, bad
    r = admin.post(
        "/admin/users",
        data={
            "username": "tj",
            "password": "long-enough-pw",
            "role": "regional_officer",
            "regions": "天津, 滨海",
        },
    )
    assert r.status_code == 200  # redirected back to the list
    with Session(engine) as s:
        users = {u.username: u for u in queries.list_users(s, command_line("test"))}
    assert set(users) == {"admin", "tj"} and users["tj"].region_codes == "120000,120116"


def test_refusals_are_shown_in_the_visitors_language(engine):
    make_admin(engine)
    admin = signed_client(create_app(engine), "admin")
    bad = {"username": "ok", "password": "short", "role": "admin"}
    zh = admin.post("/admin/users", data=bad)
    en = admin.post("/admin/users", params={"lang": "en"}, data=bad)
    assert zh.status_code == en.status_code == 400
    assert "密码至少需要 10 个字符" in zh.text
    assert "the password must have at least 10 characters" in en.text
    r = admin.post(
        "/account/password",
        params={"lang": "zh"},
        data={"old_password": "not-my-password", "new_password": "a-much-better-passphrase"},
    )
    assert r.status_code == 400 and "当前密码不正确" in r.text


def test_api_tokens_work_without_csrf_and_can_be_revoked(engine):
    make_admin(engine)
    app = create_app(engine)
    admin = signed_client(app, "admin")
    page = admin.post("/account/tokens", data={"name": "脚本"}).text
    token = re.search(r'id="new-token">[^<]*<code>([^<]+)</code>', page).group(1)
    script = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert script.get("/api/v1/audit").status_code == 200
    token_id = re.search(r"/account/tokens/(\d+)/revoke", admin.get("/account").text).group(1)
    admin.post(f"/account/tokens/{token_id}/revoke")
    assert script.get("/api/v1/audit").status_code == 401
    assert "已吊销" in admin.get("/account", params={"lang": "zh"}).text
