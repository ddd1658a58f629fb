"""The audit trail: every write says who, when, from where and what changed; nothing
removes it; administrators browse and export it."""

import json
from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.audit import service as audit
from haihe.audit.recorder import Actor, current_actor
from haihe.models import load_all
from haihe.registry import queries
from haihe.registry import service as registry
from haihe.registry.schemas import OrganisationCreate
from haihe.web.app import create_app
from tests.conftest import make_admin, signed_client
from tests.registry.helpers import OPERATOR, row, write_csv


def test_orm_writes_are_recorded_with_actor_and_changes(engine):
    load_all()
    token = current_actor.set(Actor(user_id=7, username="王磊", ip="10.0.0.1"))
    officer = Principal(user_id=7, username="王磊", role="admin", ip="10.0.0.1")
    try:
        with Session(engine) as s:
            org = registry.do_create_organisation(
                s, officer, OrganisationCreate(name="审计测试有限公司")
            )
            s.commit()
            org.employees = 42
            s.commit()
            items, total = audit.list_entries(s, object_type="organisation", object_id=str(org.id))
    finally:
        current_actor.reset(token)
    assert [e.action for e in reversed(items)] == ["create", "update"]
    update = items[0]
    assert (update.username, update.ip, update.user_id) == ("王磊", "10.0.0.1", 7)
    assert json.loads(update.changes) == {"employees": [None, 42]}


def test_the_trail_is_append_only_in_the_database(engine):
    load_all()
    with Session(engine) as s:
        registry.do_create_organisation(s, OPERATOR, OrganisationCreate(name="不可删有限公司"))
        s.commit()
    for sql in ("UPDATE audit_entries SET username = 'x'", "DELETE FROM audit_entries"):
        with engine.connect() as conn, pytest.raises(DBAPIError):
            conn.execute(text(sql))
            conn.commit()
    with Session(engine) as s:
        assert audit.list_entries(s)[1] >= 1


def test_imports_and_web_edits_are_audited_and_admins_can_browse_and_export(engine, tmp_path):
    make_admin(engine)
    app = create_app(engine)
    admin = signed_client(app, "admin")
    path = write_csv(tmp_path / "o.csv", [row(1), row(2)])
    admin.post("/import", files={"file": ("o.csv", path.read_bytes(), "text/csv")})
    r = admin.get("/api/v1/audit", params={"object_type": "organisations"})
    entry = r.json()["items"][0]
    assert entry["action"] == "import" and entry["username"] == "admin"
    assert entry["changes"]["created"] == 2 and entry["ip"]
    assert "import" in admin.get("/audit").text
    csv = admin.get("/audit.csv")
    assert csv.status_code == 200 and "organisations" in csv.text
    # No route deletes the trail.
    paths = {(m, r.path) for r in app.routes for m in getattr(r, "methods", [])}
    assert not any(m == "DELETE" or "audit" in p and m != "GET" for m, p in paths)


def test_passwords_never_reach_the_trail(engine):
    load_all()
    make_admin(engine)
    with Session(engine) as s:
        items, _ = audit.list_entries(s, object_type="user")
    assert items and all(
        "password_hash" not in e.changes and "$argon2" not in e.changes for e in items
    )


def test_project_page_history_and_organisation_history_shown(demo_engine):
    app = create_app(demo_engine)
    admin = signed_client(app, "admin")
    r = admin.get("/projects/1")
    assert 'id="history"' in r.text
    load_all()
    with Session(demo_engine) as s:
        org = queries.search_organisations(s, queries.OrganisationFilter(q="威努特")).items[0]
        org.employees = 300  # an edit, so the organisation has a history
        org_id = org.id
        s.commit()
    r = admin.get(f"/organisations/{org_id}")
    assert 'id="org-history"' in r.text
    anonymous = signed_client(app, None).get(f"/organisations/{org_id}")
    assert 'id="org-history"' not in anonymous.text


def test_login_is_rate_limited_per_account(engine):
    make_admin(engine)
    app = create_app(engine)
    client = signed_client(app, None)
    for _ in range(5):
        r = client.post("/login", data={"username": "admin", "password": "wrong-password"})
        assert r.status_code == 401
    r = client.post("/login", data={"username": "admin", "password": "haihe-demo-2024"})
    assert r.status_code == 401 and ("分钟" in r.text or "minutes" in r.text)


def test_security_headers(engine):
    client = signed_client(create_app(engine), None)
    r = client.get("/organisations")
    csp = r.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text  # no inline script anywhere


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
    assert date.today()  # keep imports used


def test_user_administration_refuses_bad_input_and_changes_nothing(engine):
    from haihe.accounts import service as accounts

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
        users = {u.username: u for u in accounts.list_users(s)}
    assert set(users) == {"admin", "tj"} and users["tj"].region_codes == "120000,120116"
