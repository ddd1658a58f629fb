"""The audit trail: every write says who, when, from where and what changed; nothing
removes it; administrators browse and export it."""

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal
from haihe.audit import queries as audit
from haihe.audit.models import AuditEntry
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
    assert (update.username, update.ip) == ("王磊", "10.0.0.1")
    assert update.changes == {"employees": [None, 42]}
    with Session(engine) as s:  # the user's id is kept too (the API does not show it)
        assert s.get(AuditEntry, update.id).user_id == 7


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


def test_entries_are_plain_data_and_the_csv_keeps_the_changes_as_stored(engine):
    load_all()
    token = current_actor.set(Actor(username="李娜"))
    try:
        make_admin(engine)
    finally:
        current_actor.reset(token)
    with Session(engine) as s:
        items, total = audit.list_entries(s, object_type="user")
        rows = list(audit.csv_rows(s))
    entry = items[0]
    assert total == 1 and entry.changes["username"] == "admin"  # parsed, not a JSON string
    assert rows[0][0] == entry.id and rows[0][2] == "李娜"
    assert json.loads(rows[0][-1]) == entry.changes and rows[0][-1] == entry.changes_text
