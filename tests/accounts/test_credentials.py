"""Credentials end when they should (issue 11, points 12, 13, 14, 19): a password change or
an administrator's reset ends every session and token; a reset password must be changed
before anything else; a token cannot mint tokens; the login limit holds under parallel
attempts; unknown usernames cost a hash check too; the login form needs its token; and
forwarded addresses are believed only from configured proxies."""

from __future__ import annotations

import re
import socket
import threading
import time

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import service
from haihe.accounts.models import LoginAttempt
from haihe.accounts.schemas import UserCreate
from haihe.accounts.scopes import command_line
from haihe.core.errors import InvalidInput
from haihe.web.app import create_app
from tests.conftest import DEMO_PASSWORD, login, make_admin, signed_client

NEW_PASSWORD = "a-much-better-passphrase"


def _officer(engine) -> None:  # noqa: ANN001
    with Session(engine) as s:
        service.do_create_user(
            s,
            command_line("test"),
            UserCreate(
                username="tianjin",
                password=DEMO_PASSWORD,
                role="regional_officer",
                regions=["天津"],
            ),
        )
        s.commit()


def _token(client) -> str:  # noqa: ANN001
    page = client.post("/account/tokens", data={"name": "脚本"}).text
    return re.search(r'id="new-token">[^<]*<code>([^<]+)</code>', page).group(1)


def _bearer(app, token: str):  # noqa: ANN001, ANN202
    client = signed_client(app, None)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_a_password_change_revokes_the_accounts_api_tokens(engine):
    make_admin(engine)
    app = create_app(engine)
    admin = signed_client(app, "admin")
    api = _bearer(app, _token(admin))
    assert api.get("/api/v1/projects").status_code == 200
    r = admin.post(
        "/account/password",
        data={"old_password": DEMO_PASSWORD, "new_password": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert api.get("/api/v1/projects").status_code == 401


def test_an_administrators_reset_ends_the_users_sessions_and_tokens(engine):
    make_admin(engine)
    _officer(engine)
    app = create_app(engine)
    officer = signed_client(app, "tianjin")
    api = _bearer(app, _token(officer))
    admin = signed_client(app, "admin")
    r = admin.post(
        "/admin/users/reset",
        data={"username": "tianjin", "password": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert officer.get("/account", follow_redirects=False).status_code == 303  # to /login
    assert api.get("/api/v1/projects").status_code == 401


def test_a_reset_password_must_be_changed_before_anything_else(engine):
    make_admin(engine)
    _officer(engine)
    app = create_app(engine)
    admin = signed_client(app, "admin")
    admin.post("/admin/users/reset", data={"username": "tianjin", "password": NEW_PASSWORD})
    officer = signed_client(app, None)
    r = login(officer, "tianjin", NEW_PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/account"
    page = officer.get("/account")
    assert page.status_code == 200 and 'id="must-change"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    officer.headers["X-CSRF-Token"] = csrf
    # Every other page sends them back to the account page; the API says why, with 403.
    for path in ("/projects", "/import", "/"):
        r = officer.get(path, follow_redirects=False)
        assert (r.status_code, r.headers.get("location")) == (303, "/account"), path
    r = officer.get("/api/v1/projects")
    assert r.status_code == 403 and r.json()["key"] == "auth.must_change_password"
    assert "重置" in r.json()["detail"]
    r = officer.post("/account/tokens", data={"name": "绕过"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account"
    r = officer.post(
        "/account/password",
        data={"old_password": NEW_PASSWORD, "new_password": NEW_PASSWORD + "-2"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    again = signed_client(app, None)
    assert login(again, "tianjin", NEW_PASSWORD + "-2").headers["location"] == "/"
    assert again.get("/projects").status_code == 200


def test_a_bearer_token_cannot_mint_tokens(engine):
    make_admin(engine)
    app = create_app(engine)
    admin = signed_client(app, "admin")
    api = _bearer(app, _token(admin))
    r = api.post("/account/tokens", data={"name": "copy"})
    assert r.status_code == 403
    assert "令牌" in r.text
    with Session(engine) as s:
        from haihe.accounts.models import ApiToken

        assert len(s.scalars(select(ApiToken)).all()) == 1


class _CountingHasher:
    """The real argon2 hasher, counting the password checks it does."""

    def __init__(self, real) -> None:  # noqa: ANN001
        self.real = real
        self.verified: list[str] = []
        self.lock = threading.Lock()

    def verify(self, hash_: str, password: str) -> bool:
        with self.lock:
            self.verified.append(hash_)
        return self.real.verify(hash_, password)

    def hash(self, password: str) -> str:
        return self.real.hash(password)


@pytest.fixture
def counting(monkeypatch):  # noqa: ANN201
    hasher = _CountingHasher(service.HASHER)
    monkeypatch.setattr(service, "HASHER", hasher)
    return hasher


def test_the_login_limit_holds_under_thirty_parallel_attempts(engine, counting):
    make_admin(engine)
    start = threading.Barrier(30)
    answers: list[str] = []

    def attempt() -> None:
        with Session(engine) as s:
            start.wait()
            try:
                service.authenticate(s, "admin", "wrong-password", "10.0.0.1")
                answers.append("ok")
            except InvalidInput as exc:
                answers.append(exc.key)

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == 30
    assert len(counting.verified) <= service.MAX_FAILURES
    assert answers.count("auth.failed") == len(counting.verified)
    assert answers.count("auth.locked") == 30 - len(counting.verified)
    with Session(engine) as s:  # and the right password is refused too, for now
        with pytest.raises(InvalidInput, match="too many"):
            service.authenticate(s, "admin", DEMO_PASSWORD, None)


def test_unknown_usernames_cost_a_password_check_as_known_ones_do(engine, counting):
    make_admin(engine)
    with Session(engine) as s:
        for name in ("admin", "nobody-by-that-name"):
            with pytest.raises(InvalidInput, match="wrong username or password"):
                service.authenticate(s, name, "wrong-password", None)
    assert len(counting.verified) == 2
    assert all(h.startswith("$argon2") for h in counting.verified)
    assert counting.verified[0] != counting.verified[1]  # the user's hash, then the dummy


def test_the_login_form_needs_its_token(engine):
    make_admin(engine)
    app = create_app(engine)
    client = signed_client(app, None)
    data = {"username": "admin", "password": DEMO_PASSWORD}
    # A cross-site form: no token, or a token of its own without our cookie.
    r = client.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 403 and "haihe_session" not in r.cookies
    assert "登录表单已过期" in r.text
    r = client.post("/login", data={**data, "login_csrf": "x" * 32}, follow_redirects=False)
    assert r.status_code == 403
    client.get("/login")  # our cookie now, but the attacker's value in the form
    r = client.post("/login", data={**data, "login_csrf": "x" * 32}, follow_redirects=False)
    assert r.status_code == 403
    assert login(client, "admin", DEMO_PASSWORD).status_code == 303


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("trusted", "seen"), [("", "127.0.0.1"), ("127.0.0.1", "6.6.6.6")])
def test_forwarded_addresses_are_believed_only_from_configured_proxies(
    engine, monkeypatch, trusted, seen
):
    """`haihe serve`'s uvicorn options, on a real server: a local caller's X-Forwarded-For
    does not choose the address the login limit and the audit trail see."""
    import uvicorn

    from haihe.cli import serve_options
    from haihe.core.settings import get_settings

    make_admin(engine)
    monkeypatch.setenv("HAIHE_TRUSTED_PROXIES", trusted)
    get_settings.cache_clear()
    try:
        options = serve_options()
    finally:
        monkeypatch.delenv("HAIHE_TRUSTED_PROXIES")
        get_settings.cache_clear()
    port = _free_port()
    config = uvicorn.Config(
        create_app(engine), host="127.0.0.1", port=port, log_level="warning", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            form = client.get("/login").text
            token = re.search(r'name="login_csrf" value="([^"]+)"', form).group(1)
            client.post(
                "/login",
                data={"username": "admin", "password": "wrong-password", "login_csrf": token},
                headers={"X-Forwarded-For": "6.6.6.6"},
            )
    finally:
        server.should_exit = True
        thread.join(10)
    with Session(engine) as s:
        assert s.scalars(select(LoginAttempt.ip)).all() == [seen]
